import { describe, expect, it } from 'vitest';
import {
  EvidenceType,
  FindingSeverity,
  FindingStatus,
  MetricDirection,
  ReviewVerdict,
  RollbackTestOutcome,
  type ReviewEvidence,
} from '../../../src/changes/model/index.js';
import { checkTypedEvidence, type EvidenceCheckContext } from '../../../src/changes/index.js';

const rollbackHash = 'e'.repeat(64);
const context: EvidenceCheckContext = {
  candidateHash: 'c'.repeat(64),
  rollbackHash,
  flagKeys: ['support-assistant-prompt', 'support-guardrails'],
  evalBars: [],
  attachedAt: '2026-12-03T12:00:00.000Z',
  isAuthor: (identity) => identity === 'kim',
};
const review: ReviewEvidence = {
  scope: { flags: ['support-assistant-prompt', 'support-guardrails'] },
  reviewer: 'sam',
  reviewedAt: '2026-12-03T10:00:00.000Z',
  findings: [{ title: 'verbose logging', severity: FindingSeverity.Low, status: FindingStatus.Open }],
  verdict: ReviewVerdict.Approved,
};
const securityReview = (overrides: Partial<ReviewEvidence>) =>
  checkTypedEvidence({ type: EvidenceType.SecurityReview, review: { ...review, ...overrides } }, context);

describe('featgate checks reviews itself', () => {
  it('passes an approving review by a non-author that covers every flag and leaves nothing serious open', () => {
    expect(securityReview({})).toMatchObject({
      passed: true,
      reason: expect.stringContaining('sam approved, covering support-assistant-prompt, support-guardrails'),
    });
  });

  it.each([
    ['a review by an author', { reviewer: 'kim' }, 'reviewed by kim, an author of the change'],
    [
      'a review that leaves a flag out',
      { scope: { flags: ['support-assistant-prompt'] } },
      "the review's scope leaves out support-guardrails",
    ],
    [
      'a verdict other than approved',
      { verdict: ReviewVerdict.ChangesRequested },
      "the reviewer's verdict is changesRequested",
    ],
    [
      'an open critical finding',
      {
        findings: [
          { title: 'prompt leaks the system prompt', severity: FindingSeverity.Critical, status: FindingStatus.Open },
        ],
      },
      '1 unresolved high or critical finding(s): prompt leaks the system prompt (critical, open)',
    ],
    [
      'an accepted high finding',
      { findings: [{ title: 'no rate limit', severity: FindingSeverity.High, status: FindingStatus.Accepted }] },
      'no rate limit (high, accepted)',
    ],
    ['a review dated after its attachment', { reviewedAt: '2026-12-04T10:00:00.000Z' }, 'after it was attached'],
  ])('refuses %s', (_name, overrides, reason) => {
    const check = securityReview(overrides as Partial<ReviewEvidence>);
    expect(check.passed).toBe(false);
    expect(check.reason).toContain(reason);
  });

  it("refuses a review a person attaches in someone else's name, and lets a service identity relay it", () => {
    const byPerson = checkTypedEvidence(
      { type: EvidenceType.PolicyReview, review },
      { ...context, isAttacher: (identity) => identity === 'alex' },
    );
    expect(byPerson.reason).toBe('a person attaches only their own review; this one names sam as its reviewer');
    expect(
      checkTypedEvidence(
        { type: EvidenceType.PolicyReview, review },
        { ...context, isAttacher: (identity) => identity === 'sam' },
      ).passed,
    ).toBe(true);
    expect(checkTypedEvidence({ type: EvidenceType.PolicyReview, review }, context).passed).toBe(true);
  });

  it('lets a resolved critical finding pass', () => {
    expect(
      securityReview({
        findings: [{ title: 'fixed', severity: FindingSeverity.Critical, status: FindingStatus.Resolved }],
      }).passed,
    ).toBe(true);
  });
});

describe('featgate checks rollback tests and shadow traffic itself', () => {
  const test = {
    environment: 'staging',
    ranAt: '2026-12-03T09:00:00.000Z',
    restoredHash: rollbackHash,
    outcome: RollbackTestOutcome.Restored,
  };

  it("passes a rollback test that restored exactly this change's rollback, and refuses another hash or a failure", () => {
    expect(checkTypedEvidence({ type: EvidenceType.RollbackTest, rollbackTest: test }, context).passed).toBe(true);
    expect(
      checkTypedEvidence(
        { type: EvidenceType.RollbackTest, rollbackTest: { ...test, restoredHash: 'f'.repeat(64) } },
        context,
      ).reason,
    ).toBe('it restored ffffffffffff; a rollback of this change restores eeeeeeeeeeee');
    expect(
      checkTypedEvidence(
        { type: EvidenceType.RollbackTest, rollbackTest: { ...test, outcome: RollbackTestOutcome.Failed } },
        context,
      ).reason,
    ).toContain('ended failed');
  });

  it('checks shadow metrics against their thresholds and refuses a window still running when attached', () => {
    const shadow = {
      window: { from: '2026-12-02T00:00:00.000Z', to: '2026-12-03T00:00:00.000Z' },
      volume: 12_000,
      metrics: [
        {
          metric: 'errorRate',
          baselineScore: 0.01,
          candidateScore: 0.012,
          threshold: 0.02,
          direction: MetricDirection.LowerIsBetter,
        },
      ],
    };
    expect(checkTypedEvidence({ type: EvidenceType.ShadowTraffic, shadowTraffic: shadow }, context)).toMatchObject({
      passed: true,
      metrics: [{ metric: 'errorRate', passed: true }],
    });
    const worse = { ...shadow, metrics: [{ ...shadow.metrics[0]!, candidateScore: 0.03 }] };
    expect(checkTypedEvidence({ type: EvidenceType.ShadowTraffic, shadowTraffic: worse }, context).reason).toBe(
      'errorRate 0.03 is above its own threshold 0.02',
    );
    const running = { ...shadow, window: { ...shadow.window, to: '2026-12-04T00:00:00.000Z' } };
    expect(checkTypedEvidence({ type: EvidenceType.ShadowTraffic, shadowTraffic: running }, context).reason).toContain(
      'after it was attached',
    );
  });
});
