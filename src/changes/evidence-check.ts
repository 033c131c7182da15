import type { EvalBar } from '../../policies/index.js';
import {
  EvidenceType,
  FindingSeverity,
  FindingStatus,
  ReviewVerdict,
  RollbackTestOutcome,
  type ReviewEvidence,
  type RollbackTest,
  type ShadowTraffic,
  type TypedContent,
} from './model/index.js';
import { checkEval, checkMetrics, type EvidenceCheck } from './eval-check.js';

/** What featgate knows about a change when it checks typed evidence: derived from the record, never from the item. */
export interface EvidenceCheckContext {
  readonly candidateHash: string;
  /** Content hash of what a rollback restores (`rollbackHashOf`). */
  readonly rollbackHash: string;
  readonly flagKeys: readonly string[];
  readonly evalBars: readonly EvalBar[];
  /** When the item was attached (the service's clock); nothing it reports may come later. */
  readonly attachedAt: string | undefined;
  /** Whether an identity is an author of the change (through the identity mapping). */
  readonly isAuthor: (identity: string) => boolean;
  /**
   * For an item a person attached: whether an identity is that person. A person attaches only their own review;
   * a service identity (CI, a review tool) may relay someone else's. Undefined for a service identity.
   */
  readonly isAttacher?: (identity: string) => boolean;
}

const BLOCKING: ReadonlySet<FindingSeverity> = new Set([FindingSeverity.High, FindingSeverity.Critical]);

/** featgate's verdict on an item's typed content, by kind. */
export function checkTypedEvidence(content: TypedContent, context: EvidenceCheckContext): EvidenceCheck {
  switch (content.type) {
    case EvidenceType.OfflineEval:
      return checkEval(content.eval, context.evalBars, context.candidateHash);
    case EvidenceType.SecurityReview:
    case EvidenceType.PolicyReview:
      return checkReview(content.review, context);
    case EvidenceType.RollbackTest:
      return checkRollbackTest(content.rollbackTest, context);
    case EvidenceType.ShadowTraffic:
      return checkShadowTraffic(content.shadowTraffic, context);
  }
}

/** A review passes when its reviewer is no author, it covers every flag, approves, and leaves no high or critical finding open. */
function checkReview(review: ReviewEvidence, context: EvidenceCheckContext): EvidenceCheck {
  const problems: string[] = [];
  if (context.isAuthor(review.reviewer))
    problems.push(`reviewed by ${review.reviewer}, an author of the change: nobody reviews their own change`);
  else if (context.isAttacher && !context.isAttacher(review.reviewer))
    problems.push(`a person attaches only their own review; this one names ${review.reviewer} as its reviewer`);
  const uncovered = context.flagKeys.filter((key) => !review.scope.flags.includes(key));
  if (uncovered.length > 0) problems.push(`the review's scope leaves out ${uncovered.join(', ')}`);
  if (review.verdict !== ReviewVerdict.Approved) problems.push(`the reviewer's verdict is ${review.verdict}`);
  const blocking = review.findings.filter(
    (finding) => BLOCKING.has(finding.severity) && finding.status !== FindingStatus.Resolved,
  );
  if (blocking.length > 0)
    problems.push(
      `${blocking.length} unresolved high or critical finding(s): ${blocking.map((finding) => `${finding.title} (${finding.severity}, ${finding.status})`).join(', ')}`,
    );
  if (after(review.reviewedAt, context.attachedAt))
    problems.push(`reviewed at ${review.reviewedAt}, after it was attached`);
  if (problems.length > 0) return { passed: false, reason: problems.join('; '), metrics: [] };
  return {
    passed: true,
    reason: `featgate's check: ${review.reviewer} approved, covering ${review.scope.flags.join(', ')}, with no unresolved high or critical finding (${review.findings.length} finding(s))`,
    metrics: [],
  };
}

/** A rollback test passes when it restored exactly what a rollback of this change restores. */
function checkRollbackTest(test: RollbackTest, context: EvidenceCheckContext): EvidenceCheck {
  const problems: string[] = [];
  if (test.outcome !== RollbackTestOutcome.Restored)
    problems.push(`the rollback test in ${test.environment} ended ${test.outcome}`);
  if (test.restoredHash !== context.rollbackHash) {
    problems.push(
      `it restored ${test.restoredHash.slice(0, 12)}; a rollback of this change restores ${context.rollbackHash.slice(0, 12)}`,
    );
  }
  if (after(test.ranAt, context.attachedAt)) problems.push(`it ran at ${test.ranAt}, after it was attached`);
  if (problems.length > 0) return { passed: false, reason: problems.join('; '), metrics: [] };
  return {
    passed: true,
    reason: `featgate's check: restored ${test.restoredHash.slice(0, 12)} (this change's rollback) in ${test.environment} at ${test.ranAt}`,
    metrics: [],
  };
}

/** Shadow traffic passes when its window is over by the time it is attached and each metric meets its threshold. */
function checkShadowTraffic(shadow: ShadowTraffic, context: EvidenceCheckContext): EvidenceCheck {
  const check = checkMetrics(
    shadow.metrics,
    `${shadow.volume} requests from ${shadow.window.from} to ${shadow.window.to}`,
  );
  if (after(shadow.window.to, context.attachedAt)) {
    return {
      passed: false,
      reason: `the window ends at ${shadow.window.to}, after it was attached`,
      metrics: check.metrics,
    };
  }
  return check;
}

function after(instant: string, attachedAt: string | undefined): boolean {
  return attachedAt !== undefined && Date.parse(instant) > Date.parse(attachedAt);
}
