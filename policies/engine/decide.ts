import type { ChangeRecord, Review } from '../../src/changes/model/index.js';
import { durationMs, EvidenceResult, EvidenceType, ReviewDecision } from '../../src/changes/model/index.js';
import { evaluate } from './evaluate.js';
import type { Evaluation, RoleRequirement } from './evaluation.js';
import type { EvidenceRequirement, Policy } from './policy-schema.js';
import type { RiskTier } from './risk-tier.js';
import { uncoveredRequirements } from './role-matching.js';

/** Outcome of a change's reviews. */
export enum DecisionStatus {
  Approved = 'approved',
  Rejected = 'rejected',
  Pending = 'pending',
}

/** Exactly what a change still lacks. */
export interface MissingItems {
  /** How many more distinct approvers (other than the requester) are needed. */
  readonly approvals: number;
  /** Role requirements no approver covers yet. */
  readonly roles: readonly RoleRequirement[];
  /** Evidence requirements (approval phase) without a passed item. */
  readonly evidence: readonly EvidenceRequirement[];
  /** Ways the release plan breaks the tier's exposure limits. */
  readonly releasePlan: readonly string[];
}

/** What `decide` answers. */
export interface Decision {
  readonly status: DecisionStatus;
  readonly tier: RiskTier;
  /** Distinct people whose latest review approves, authors excluded. */
  readonly approvedBy: readonly string[];
  /** Distinct people whose latest review rejects, requester excluded. */
  readonly rejectedBy: readonly string[];
  readonly missing: MissingItems;
  /** Why the status is what it is, one fact per line. */
  readonly reasons: readonly string[];
}

/** How `decide` tells people apart. */
export interface DecideOptions {
  /** The person an identity belongs to (the identity mapping); case-folded identity when absent. */
  readonly personOf?: (identity: string) => string;
  /** The person behind a review (its reviewer and aliases); `personOf(review.reviewer)` when absent. */
  readonly personOfReview?: (review: Review) => string;
  /**
   * Whether the record's own `evidence` counts. The service passes false: evidence written into the record is
   * written by its authors, and self-attested evidence satisfies nothing; only `evidence` (already checked) counts.
   */
  readonly recordEvidenceCounts?: boolean;
}

/** Everyone who wrote a change: its requester and the authors featgate recorded. */
export function authorsOf(change: Pick<ChangeRecord, 'requester' | 'authors'>): string[] {
  return [...new Set([change.requester, ...(change.authors ?? [])])];
}

const foldCase = (identity: string): string => identity.normalize('NFKC').trim().toLowerCase();

/**
 * What `decide` needs of an evidence item: its kind, its result (featgate's verdict for typed evidence) and whether
 * featgate checked it; a record's own evidence items are claims.
 */
export interface EvidenceOutcome {
  readonly type: EvidenceType;
  readonly result?: EvidenceResult | undefined;
  /** Whether featgate checked typed content; a `checked` requirement needs it. */
  readonly checked?: boolean;
}

/** Evidence types featgate produces itself from the change record, so they are always present. */
const PRODUCED_BY_FEATGATE: ReadonlySet<EvidenceType> = new Set([EvidenceType.ConfigDiff]);

/**
 * Decides whether a change is approved from its reviews and evidence. Separation of duties: the requester's
 * own reviews never count; only each reviewer's latest review counts; approvers are counted as distinct
 * people; with the default policy one person may not fill two required roles. Any counted rejection rejects;
 * otherwise the change is approved when nothing is missing and pending (with exactly what is missing) when
 * something is. Evidence counts from the record and from `evidence`; only `passed` items satisfy a requirement.
 * Pure: pass `evaluation` to reuse one already computed for the same change and policy.
 */
export function decide(
  change: ChangeRecord,
  reviews: readonly Review[],
  evidence: readonly EvidenceOutcome[],
  policy: Policy,
  evaluation: Evaluation = evaluate(change, policy),
  options: DecideOptions = {},
): Decision {
  const reasons: string[] = [];
  const personOf = options.personOf ?? foldCase;
  const authors = new Set(authorsOf(change).map(personOf));
  const latest = new Map<string, { readonly review: Review; readonly at: number }>();
  const authorReviews = new Set<string>();
  const personOfReview = options.personOfReview ?? ((review: Review) => personOf(review.reviewer));
  for (const review of reviews) {
    const person = personOfReview(review);
    if (authors.has(person)) {
      authorReviews.add(review.reviewer);
      continue;
    }
    const at = Date.parse(review.at);
    const previous = latest.get(person);
    if (!previous || at >= previous.at) latest.set(person, { review, at });
  }
  for (const reviewer of authorReviews) {
    reasons.push(
      personOf(reviewer) === personOf(change.requester)
        ? `reviews by the requester ${reviewer} do not count: nobody approves their own change`
        : `reviews by ${reviewer} do not count: ${reviewer} is an author of the change (edited it), and nobody approves their own change`,
    );
  }
  const counted = [...latest.values()].map((entry) => entry.review);
  const approvers = counted.filter((review) => review.decision === ReviewDecision.Approve);
  const rejecters = counted.filter((review) => review.decision === ReviewDecision.Reject);
  for (const review of rejecters)
    reasons.push(`rejected by ${review.reviewer}${review.comment ? `: ${review.comment}` : ''}`);

  const required = evaluation.requiredApprovals;
  const missingApprovals = Math.max(0, required.count - approvers.length);
  if (missingApprovals > 0) {
    reasons.push(`${approvers.length} of ${required.count} required distinct approvals`);
  }
  const missingRoles = uncoveredRequirements(required.mustInclude, approvers, required.onePersonMayFillSeveralRoles);
  for (const requirement of missingRoles) {
    reasons.push(
      `needs an approval by ${requirement.anyOf.join(' or ')} (${requirement.reasons.join('; ')})` +
        (required.onePersonMayFillSeveralRoles || required.mustInclude.length < 2
          ? ''
          : ' from someone not already counted for another required role'),
    );
  }

  const allEvidence: readonly EvidenceOutcome[] =
    options.recordEvidenceCounts === false ? [...evidence] : [...change.evidence, ...evidence];
  const missingEvidence = evaluation.requiredEvidence.filter(
    (requirement) =>
      requirement.phase === 'approval' &&
      !requirement.anyOf.some(
        (type) =>
          PRODUCED_BY_FEATGATE.has(type) ||
          allEvidence.some(
            (item) =>
              item.type === type &&
              item.result === EvidenceResult.Passed &&
              (!requirement.checked || item.checked === true),
          ),
      ),
  );
  for (const requirement of missingEvidence) {
    const failed = allEvidence.filter(
      (item) =>
        requirement.anyOf.includes(item.type) &&
        (item.result !== EvidenceResult.Passed || (requirement.checked && item.checked !== true)),
    );
    const why = failed.map((item) =>
      item.result === EvidenceResult.Passed
        ? 'a claim featgate cannot check'
        : (item.result ?? EvidenceResult.Inconclusive),
    );
    reasons.push(
      `needs passed evidence of ${requirement.anyOf.join(' or ')}${requirement.checked ? ' checked by featgate' : ''}` +
        (failed.length > 0 ? ` (attached but ${why.join(', ')})` : ''),
    );
  }

  const releasePlan = releasePlanProblems(change, evaluation);
  reasons.push(...releasePlan);

  const status =
    rejecters.length > 0
      ? DecisionStatus.Rejected
      : missingApprovals === 0 && missingRoles.length === 0 && missingEvidence.length === 0 && releasePlan.length === 0
        ? DecisionStatus.Approved
        : DecisionStatus.Pending;
  if (status === DecisionStatus.Approved) {
    reasons.push(
      `approved by ${approvers.map((review) => review.reviewer).join(', ')} for the ${evaluation.tier} tier`,
    );
  }
  return {
    status,
    tier: evaluation.tier,
    approvedBy: approvers.map((review) => review.reviewer),
    rejectedBy: rejecters.map((review) => review.reviewer),
    missing: { approvals: missingApprovals, roles: missingRoles, evidence: missingEvidence, releasePlan },
    reasons,
  };
}

function releasePlanProblems(change: ChangeRecord, evaluation: Evaluation): string[] {
  const { exposure, tier } = evaluation;
  const problems: string[] = [];
  const stages = change.release.stages;
  const first = stages[0];
  if (first && first.percentage > exposure.maxFirstStagePercentage) {
    problems.push(
      `the first stage exposes ${first.percentage}%; the ${tier} tier allows at most ${exposure.maxFirstStagePercentage}%`,
    );
  }
  if (stages.length < exposure.minStages) {
    problems.push(
      `the release plan has ${stages.length} stage(s); the ${tier} tier needs at least ${exposure.minStages}`,
    );
  }
  if (exposure.minStageDuration) {
    const least = durationMs(exposure.minStageDuration);
    stages.slice(0, -1).forEach((stage, index) => {
      if (durationMs(stage.minDuration) < least) {
        problems.push(
          `stage ${index + 1} (${stage.name}) runs at least ${stage.minDuration}; the ${tier} tier needs at least ${exposure.minStageDuration} before the next stage`,
        );
      }
    });
  }
  if (exposure.rollbackPlanRequired && !change.release.rollback) {
    problems.push(`the ${tier} tier needs a rollback plan (release.rollback)`);
  }
  return problems;
}
