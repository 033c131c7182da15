import { decide, evaluate, type Decision, type Evaluation, type Policy } from '../../policies/index.js';
import { EvidenceResult, type ChangeRecord } from './model/index.js';
import type { LoadedChangeRecordState } from './projection/index.js';
import { NO_PEOPLE, type IdentityMapping } from '../identity/index.js';
import type { ChangeView } from './change-view.js';
import { countedEvidence, evidenceVerdicts } from './change-authors.js';
import { candidateHashOf, rollbackHashOf } from './change-derivation.js';

/** A change's classification and decision; shared between callers, so read-only. */
export interface Assessment {
  readonly evaluation: Evaluation;
  readonly decision: Decision;
}

interface AssessedInputs {
  readonly record: ChangeRecord;
  readonly evidence: LoadedChangeRecordState['evidence'];
  readonly policy: Policy;
  readonly identities: IdentityMapping;
  readonly assessment: Assessment;
}

const evaluations = new WeakMap<Policy, WeakMap<ChangeRecord, Evaluation>>();
const assessments = new WeakMap<LoadedChangeRecordState['reviews'], AssessedInputs>();

/**
 * The policy's view of a change right now: classification and decision from its current reviews and evidence.
 * Projected states are immutable and share unchanged parts, so the result is remembered by the identity of its
 * inputs (record, reviews, evidence, policy): a review request that re-decides and then renders the change
 * evaluates it once, and a record is classified once per policy.
 */
export function assess(
  state: LoadedChangeRecordState,
  policy: Policy,
  identities: IdentityMapping = NO_PEOPLE,
): Assessment {
  const known = assessments.get(state.reviews);
  if (
    known &&
    known.record === state.record &&
    known.evidence === state.evidence &&
    known.policy === policy &&
    known.identities === identities
  ) {
    return known.assessment;
  }
  const evaluation = evaluationOf(state.record, policy);
  const evidence = countedEvidence(state, identities, evaluation.evalBars);
  const decision = decide(state.record, state.reviews, evidence, policy, evaluation, {
    personOf: (identity) => identities.personOf(identity),
    personOfReview: (review) =>
      identities.personOfPrincipal({ id: review.reviewer, ...(review.aliases ? { aliases: review.aliases } : {}) }),
    recordEvidenceCounts: false,
  });
  const assessment = { evaluation, decision };
  assessments.set(state.reviews, { record: state.record, evidence: state.evidence, policy, identities, assessment });
  return assessment;
}

function evaluationOf(record: ChangeRecord, policy: Policy): Evaluation {
  let byRecord = evaluations.get(policy);
  if (!byRecord) evaluations.set(policy, (byRecord = new WeakMap()));
  let evaluation = byRecord.get(record);
  if (!evaluation) byRecord.set(record, (evaluation = evaluate(record, policy)));
  return evaluation;
}

/** Builds the API view of a change from its projected state and the policy. */
export function changeView(
  state: LoadedChangeRecordState,
  policy: Policy,
  identities: IdentityMapping = NO_PEOPLE,
): ChangeView {
  const { evaluation, decision } = assess(state, policy, identities);
  return {
    key: state.key,
    title: state.record.title,
    status: state.status,
    tier: evaluation.tier,
    requester: state.record.requester,
    owner: state.record.owner,
    record: state.record,
    reviews: [...state.reviews],
    evidence: evidenceVerdicts(state, identities, evaluation.evalBars)
      .filter((verdict) => verdict.source === 'attached')
      .map((verdict) => ({
        ...verdict.item,
        result: verdict.item.result ?? EvidenceResult.Inconclusive,
        counts: verdict.counts,
        checked: verdict.checked,
        reason: verdict.reason,
        metrics: verdict.metrics.map((metric) => ({ ...metric })),
        ...(verdict.claimedResult ? { claimedResult: verdict.claimedResult } : {}),
      })),
    decision: {
      status: decision.status,
      approvedBy: [...decision.approvedBy],
      rejectedBy: [...decision.rejectedBy],
      missing: decision.missing,
      reasons: [...decision.reasons],
    },
    requirements: {
      approvals: evaluation.requiredApprovals,
      evidence: evaluation.requiredEvidence,
      exposure: evaluation.exposure,
      firedRules: evaluation.firedRules,
      evalBars: evaluation.evalBars,
    },
    release: {
      stageIndex: state.stageIndex ?? null,
      stageCount: state.record.release.stages.length,
      held: state.status === 'held',
      statusReason: state.statusReason ?? null,
    },
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    version: state.lastSeq,
    revision: state.revision,
    candidateHash: candidateHashOf(state.record),
    rollbackHash: rollbackHashOf(state.record),
  };
}
