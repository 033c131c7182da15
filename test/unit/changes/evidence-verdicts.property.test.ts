import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ChangeStatus,
  ConfigSurface,
  EvidenceResult,
  EvidenceType,
  MetricDirection,
  type EvidenceItem,
} from '../../../src/changes/model/index.js';
import { IdentityMapping } from '../../../src/identity/index.js';
import type { LoadedChangeRecordState } from '../../../src/changes/projection/index.js';
import { candidateHashOf, countedEvidence, evidenceVerdicts } from '../../../src/changes/index.js';
import { changeOf, REQUESTER } from '../policies/policy-fixtures.js';

/**
 * Whatever CI, the requester or a colleague attach, in any order, an offline eval counts exactly when it was
 * attached by a service identity or a non-author, for the current revision and candidate, ran on that candidate,
 * and its numbers clear the bar; what anyone claims never matters.
 */
const record = changeOf(ConfigSurface.Prompt, { template: 'Answer briefly.' }, { template: 'We guarantee a refund.' });
const current = candidateHashOf(record);
const bars = [{ metric: 'groundedness', atLeast: 0.85, maxRegression: 0.02, minSampleSize: 100 }];
const identities = new IdentityMapping();
const attachers = [
  { attachedBy: 'ci', attachedByKind: 'service' as const, allowed: true },
  { attachedBy: REQUESTER, attachedByKind: 'user' as const, allowed: false },
  { attachedBy: 'colleague@example.com', attachedByKind: 'user' as const, allowed: true },
];

const attachment = fc.record({
  attacher: fc.integer({ min: 0, max: attachers.length - 1 }),
  staleRevision: fc.boolean(),
  ranOnOther: fc.boolean(),
  candidateScore: fc.double({ min: 0.7, max: 1, noNaN: true }),
  baselineScore: fc.double({ min: 0.7, max: 1, noNaN: true }),
  sampleSize: fc.integer({ min: 1, max: 500 }),
  claim: fc.option(fc.constantFrom(EvidenceResult.Passed, EvidenceResult.Failed), { nil: undefined }),
});
type Attachment = typeof attachment extends fc.Arbitrary<infer T> ? T : never;

function itemOf(step: Attachment): EvidenceItem {
  const who = attachers[step.attacher]!;
  const bound = {
    attachedBy: who.attachedBy,
    attachedByKind: who.attachedByKind,
    at: '2026-12-03T12:00:00.000Z',
    revision: step.staleRevision ? 1 : 2,
    candidateHash: current,
  };
  if (step.claim) return { type: EvidenceType.OfflineEval, summary: 'claim', result: step.claim, ...bound };
  const evalContent = {
    candidateHash: step.ranOnOther ? 'f'.repeat(64) : current,
    dataset: 'golden',
    datasetVersion: '7',
    evaluator: 'ragas',
    evaluatorVersion: '0.2.1',
    sampleSize: step.sampleSize,
    metrics: [
      {
        metric: 'groundedness',
        baselineScore: step.baselineScore,
        candidateScore: step.candidateScore,
        direction: MetricDirection.HigherIsBetter,
      },
    ],
  };
  return { type: EvidenceType.OfflineEval, summary: 'eval', eval: evalContent, ...bound };
}

function shouldCount(step: Attachment): boolean {
  const regression = Math.round((step.baselineScore - step.candidateScore) * 1e6) / 1e6;
  return (
    attachers[step.attacher]!.allowed &&
    !step.staleRevision &&
    step.claim === undefined &&
    !step.ranOnOther &&
    step.candidateScore >= 0.85 &&
    regression <= 0.02 &&
    step.sampleSize >= 100
  );
}

describe('offline evals under eval bars (property)', () => {
  it('counts an eval exactly when it is bound, attached by someone allowed, ran on the candidate and clears the bar', () => {
    fc.assert(
      fc.property(fc.array(attachment, { maxLength: 12 }), (steps) => {
        const state = {
          key: 'fixture-change',
          record,
          recordSeq: 1,
          status: ChangeStatus.Proposed,
          revision: 2,
          reviews: [],
          supersededReviews: [],
          evidence: steps.map(itemOf),
          createdAt: '2026-12-01T00:00:00.000Z',
          createdBy: REQUESTER,
          updatedAt: '2026-12-01T00:00:00.000Z',
          lastSeq: 1,
        } as LoadedChangeRecordState;
        const verdicts = evidenceVerdicts(state, identities, bars);
        expect(verdicts.map((verdict) => verdict.counts)).toEqual(steps.map(shouldCount));
        for (const verdict of verdicts) {
          expect(verdict.reason.length).toBeGreaterThan(0);
          if (!verdict.counts) expect(verdict.item.result).not.toBe(EvidenceResult.Passed);
        }
        const passing = countedEvidence(state, identities, bars).filter(
          (item) => item.result === EvidenceResult.Passed,
        );
        expect(passing.length).toBe(steps.filter(shouldCount).length);
      }),
      { numRuns: 300 },
    );
  });
});

describe('evidence from before typing', () => {
  const stateWith = (evidence: EvidenceItem[]) =>
    ({
      key: 'fixture-change',
      record,
      recordSeq: 1,
      status: ChangeStatus.Proposed,
      revision: 2,
      reviews: [],
      supersededReviews: [],
      evidence,
      createdAt: '2026-12-01T00:00:00.000Z',
      createdBy: REQUESTER,
      updatedAt: '2026-12-01T00:00:00.000Z',
      lastSeq: 1,
    }) as LoadedChangeRecordState;
  const bound = {
    attachedBy: 'ci',
    attachedByKind: 'service' as const,
    at: '2026-11-01T10:00:00.000Z',
    revision: 2,
    candidateHash: current,
  };
  const oldEval: EvidenceItem = {
    type: EvidenceType.OfflineEval,
    summary: 'groundedness eval',
    result: EvidenceResult.Passed,
    eval: {
      candidateHash: current,
      dataset: 'golden',
      evaluator: 'ragas',
      metric: 'groundedness',
      score: 0.95,
      baselineScore: 0.94,
      sampleSize: 400,
      direction: MetricDirection.HigherIsBetter,
    },
    ...bound,
  };

  it('never counts the single-metric eval of before where eval bars apply, and says so', () => {
    const [verdict] = evidenceVerdicts(stateWith([oldEval]), identities, bars);
    expect(verdict).toMatchObject({
      counts: false,
      checked: false,
      claimedResult: EvidenceResult.Passed,
      item: { result: EvidenceResult.Inconclusive },
    });
    expect(verdict!.reason).toContain('single-metric format from before typed evidence, which featgate cannot check');
  });

  it('counts an old passed claim where the policy checks nothing, as before', () => {
    const [verdict] = evidenceVerdicts(stateWith([oldEval]), identities, []);
    expect(verdict).toMatchObject({ counts: true, checked: false, item: { result: EvidenceResult.Passed } });
  });
});
