import { decide, evaluate, type Decision, type Evaluation, type Policy } from '../../policies/index.js';
import type { ChangeRecordState } from '../projections/index.js';
import type { ChangeView } from './change-view.js';

/** The policy's view of a change right now: classification and decision from its current reviews and evidence. */
export function assess(state: ChangeRecordState, policy: Policy): { evaluation: Evaluation; decision: Decision } {
  const evaluation = evaluate(state.record, policy);
  const decision = decide(state.record, state.reviews, state.evidence, policy, evaluation);
  return { evaluation, decision };
}

/** Builds the API view of a change from its projected state and the policy. */
export function changeView(state: ChangeRecordState, policy: Policy): ChangeView {
  const { evaluation, decision } = assess(state, policy);
  return {
    key: state.key,
    title: state.record.title,
    status: state.status,
    tier: evaluation.tier,
    requester: state.record.requester,
    owner: state.record.owner,
    record: state.record,
    reviews: [...state.reviews],
    evidence: [...state.evidence],
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
  };
}
