import { describe, expect, it } from 'vitest';
import {
  evidenceItemSchema,
  evidenceRequestItemSchema,
  EvidenceType,
  typedContentOf,
} from '../../../src/changes/model/index.js';
import { evidenceAttachedPayloadSchema } from '../../../src/changes/events/index.js';

const hash = 'a'.repeat(64);
const evalContent = {
  candidateHash: hash,
  dataset: 'support-golden',
  datasetVersion: '7',
  evaluator: 'ragas',
  evaluatorVersion: '0.2.1',
  sampleSize: 400,
  metrics: [{ metric: 'groundedness', baselineScore: 0.9, candidateScore: 0.91 }],
};

function issues(schema: typeof evidenceRequestItemSchema, input: unknown): { path: string; message: string }[] {
  const parsed = schema.safeParse(input);
  return parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.join('.'), message: issue.message }));
}

describe('typed evidence schemas', () => {
  it('reads an offline eval with its metrics, defaulting each direction to higher-is-better', () => {
    const item = evidenceRequestItemSchema.parse({ type: 'offlineEval', summary: 'ci', eval: evalContent });
    expect(
      item.type === EvidenceType.OfflineEval && item.eval && 'metrics' in item.eval && item.eval.metrics[0]?.direction,
    ).toBe('higher');
  });

  it.each([
    ['an eval without the versions', { ...evalContent, datasetVersion: undefined }, 'eval.datasetVersion'],
    [
      'an eval with a metric named twice',
      { ...evalContent, metrics: [evalContent.metrics[0], evalContent.metrics[0]] },
      'eval.metrics',
    ],
    [
      'an eval without a baseline score',
      { ...evalContent, metrics: [{ metric: 'groundedness', candidateScore: 0.9 }] },
      'eval.metrics.0.baselineScore',
    ],
    ['an eval with an unknown field', { ...evalContent, passed: true }, 'eval'],
    ['an eval with a short candidate hash', { ...evalContent, candidateHash: 'abc' }, 'eval.candidateHash'],
  ])('refuses %s, naming the field', (_name, content, path) => {
    expect(
      issues(evidenceRequestItemSchema, { type: 'offlineEval', summary: 'ci', eval: content }).map(
        (issue) => issue.path,
      ),
    ).toContain(path);
  });

  it('refuses a result beside typed content: featgate decides it', () => {
    expect(
      issues(evidenceRequestItemSchema, { type: 'offlineEval', summary: 'ci', result: 'passed', eval: evalContent }),
    ).toEqual([
      { path: 'result', message: 'featgate decides the result of typed evidence from its eval; drop result' },
    ]);
  });

  it('refuses an item that names neither typed content nor a claim', () => {
    expect(issues(evidenceRequestItemSchema, { type: 'rollbackTest', summary: 'rehearsed' })[0]?.path).toBe(
      'rollbackTest',
    );
  });

  it('refuses the content of another kind and the single-metric eval format of before in a request', () => {
    expect(
      issues(evidenceRequestItemSchema, { type: 'securityReview', summary: 's', eval: evalContent })[0]?.path,
    ).toBe('');
    const legacy = {
      candidateHash: hash,
      dataset: 'd',
      evaluator: 'e',
      metric: 'groundedness',
      score: 0.9,
      sampleSize: 10,
    };
    expect(
      issues(evidenceRequestItemSchema, { type: 'offlineEval', summary: 's', eval: legacy }).map((issue) => issue.path),
    ).toContain('eval.datasetVersion');
  });

  it('reads a review, a rollback test and shadow traffic, and refuses a window that ends before it starts', () => {
    const review = {
      scope: { flags: ['support-assistant-prompt'] },
      reviewer: 'sam',
      reviewedAt: '2026-12-01T10:00:00Z',
      findings: [{ title: 'PII in logs', severity: 'high' }],
      verdict: 'approved',
    };
    expect(evidenceRequestItemSchema.parse({ type: 'securityReview', summary: 's', review })).toMatchObject({
      review: { findings: [{ status: 'open' }] },
    });
    expect(
      evidenceRequestItemSchema.parse({
        type: 'rollbackTest',
        summary: 'r',
        rollbackTest: {
          environment: 'staging',
          ranAt: '2026-12-01T10:00:00Z',
          restoredHash: hash,
          outcome: 'restored',
        },
      }).type,
    ).toBe('rollbackTest');
    const window = { from: '2026-12-02T00:00:00Z', to: '2026-12-01T00:00:00Z' };
    expect(
      issues(evidenceRequestItemSchema, {
        type: 'shadowTraffic',
        summary: 's',
        shadowTraffic: { window, volume: 10, metrics: evalContent.metrics },
      }),
    ).toEqual([{ path: 'shadowTraffic.window.to', message: 'the window ends after it starts' }]);
  });
});

describe('evidence from before typing', () => {
  const bound = {
    attachedBy: 'ci',
    at: '2026-11-01T10:00:00Z',
    attachedByKind: 'service',
    revision: 1,
    candidateHash: hash,
  };

  it('reads a claim and the single-metric eval of before as claims, without typed content', () => {
    const claim = evidenceItemSchema.parse({ type: 'offlineEval', summary: 'ok', result: 'passed', ...bound });
    const oldEval = evidenceItemSchema.parse({
      type: 'offlineEval',
      summary: 'groundedness eval',
      result: 'passed',
      eval: {
        candidateHash: hash,
        dataset: 'golden',
        evaluator: 'ragas',
        metric: 'groundedness',
        score: 0.91,
        baselineScore: 0.9,
        sampleSize: 400,
        direction: 'higher',
      },
      ...bound,
    });
    expect(typedContentOf(claim)).toBeUndefined();
    expect(typedContentOf(oldEval)).toBeUndefined();
    expect(oldEval.result).toBe('passed');
  });

  it('reads typed content back as typed', () => {
    const typed = evidenceItemSchema.parse({ type: 'offlineEval', summary: 'ci', eval: evalContent, ...bound });
    expect(typedContentOf(typed)).toMatchObject({
      type: 'offlineEval',
      eval: { metrics: [{ metric: 'groundedness' }] },
    });
  });

  it('reads an evidence.attached ledger entry written before typing unchanged', () => {
    const entry = {
      changeKey: 'claims-eval',
      evidence: {
        type: 'offlineEval',
        summary: 'groundedness eval',
        result: 'passed',
        eval: {
          candidateHash: hash,
          dataset: 'golden',
          evaluator: 'ragas',
          metric: 'groundedness',
          score: 0.91,
          sampleSize: 400,
          direction: 'higher',
        },
        ...bound,
      },
    };
    expect(evidenceAttachedPayloadSchema.parse(entry)).toEqual(entry);
  });
});
