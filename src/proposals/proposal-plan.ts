import type { Evaluation } from '../../policies/index.js';
import type { ReleasePlan, ReleaseStage } from '../changes/model/index.js';
import type { FeatBitFlag } from '../featbit/model/index.js';

/** The name of the last stage of a proposal: the one that writes the FeatBit edit back exactly as it was made. */
export const PROPOSAL_FINAL_STAGE = 'apply the FeatBit edit';

/** Minimum duration of every stage before the last when the tier sets none: long enough for guardrail signals. */
const RAMP_STAGE_DURATION = '15m';

/** Where an edited flag serves its candidate most widely: the slot and the share there (0..100). */
export interface CandidateExposure {
  /** The rule whose name a stage's audience names (so stages ramp that rule), or undefined for the default rule. */
  readonly ruleName?: string;
  readonly percentage: number;
}

/** The widest share of the candidate in any rule or the default rule of the edited flag. */
export function candidateExposure(flag: FeatBitFlag, candidateId: string | undefined): CandidateExposure {
  if (!candidateId || !flag.isEnabled) return { percentage: 0 };
  const shareOf = (slot: FeatBitFlag['fallthrough']['variations']) =>
    slot
      .filter((rollout) => rollout.id === candidateId)
      .reduce((sum, rollout) => sum + Math.max(0, rollout.rollout[1] - rollout.rollout[0]), 0);
  let widest: CandidateExposure = {
    percentage: Math.min(100, Math.round(shareOf(flag.fallthrough.variations) * 10_000) / 100),
  };
  for (const rule of flag.rules) {
    const percentage = Math.min(100, Math.round(shareOf(rule.variations) * 10_000) / 100);
    if (percentage > widest.percentage && rule.name.trim()) widest = { ruleName: rule.name, percentage };
  }
  return widest;
}

/**
 * A release plan for a proposal that its tier can approve: one stage that writes the edit back when the tier
 * allows that exposure at once; otherwise ramp stages (the candidate's share in the slot the edit widened,
 * starting at the tier's first-stage maximum and doubling) and then the edit itself, with as many stages as the
 * tier demands, each running at least the tier's minimum stage duration, and a rollback plan when it needs one. Reviewers then approve the edit in stages instead of
 * rejecting a plan no one may approve.
 */
export function proposalPlan(
  owner: string,
  exposure: CandidateExposure,
  limits: Evaluation['exposure'],
  tier: string,
): ReleasePlan {
  const audience = exposure.ruleName ?? 'all users';
  const final: ReleaseStage = {
    name: PROPOSAL_FINAL_STAGE,
    audience: exposure.ruleName ?? 'as configured in the edit',
    percentage: exposure.percentage,
    minDuration: '1m',
  };
  const ramp: ReleaseStage[] = [];
  if (exposure.percentage > limits.maxFirstStagePercentage || limits.minStages > 1) {
    let share = Math.min(limits.maxFirstStagePercentage, exposure.percentage);
    while (share < exposure.percentage || ramp.length + 1 < limits.minStages) {
      ramp.push({
        name: `ramp ${ramp.length + 1}`,
        audience,
        percentage: share,
        minDuration: limits.minStageDuration ?? RAMP_STAGE_DURATION,
      });
      if (ramp.length > 20) break;
      share = Math.min(exposure.percentage, Math.max(share * 2, share + 1));
    }
  }
  const stages = ramp.length > 0 ? [...ramp, { ...final, audience }] : [final];
  return {
    decisionOwner: owner,
    stages,
    holdIf: [],
    ...(limits.rollbackPlanRequired || stages.length > 1
      ? {
          rollback: {
            plan: `featgate rolls the flag back to the approved configuration it restored (release rollback); the ${tier} tier's stages can be held at any time`,
            fallbackBehaviour: 'users are served the approved baseline variation again',
          },
        }
      : {}),
  };
}
