import type { FeatBitFlag } from '../featbit/model/index.js';

/**
 * The targeting of a flag reduced to what decides who is served what (targets, rules with their conditions and
 * rollouts, the default rule), with FeatBit's optional fields made explicit: what "same targeting" compares, for
 * the write planner and for the bridge's "equal to approved".
 */
export function comparableTargeting(flag: FeatBitFlag) {
  return {
    targetUsers: flag.targetUsers.map(({ keyIds, variationId }) => ({ keyIds: [...keyIds], variationId })),
    rules: flag.rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      dispatchKey: rule.dispatchKey ?? null,
      includedInExpt: rule.includedInExpt,
      conditions: rule.conditions.map(({ property, op, value }) => ({ property, op: op ?? null, value })),
      variations: rule.variations.map(({ id, rollout, exptRollout }) => ({ id, rollout: [...rollout], exptRollout })),
    })),
    fallthrough: {
      dispatchKey: flag.fallthrough.dispatchKey ?? null,
      includedInExpt: flag.fallthrough.includedInExpt,
      variations: flag.fallthrough.variations.map(({ id, rollout, exptRollout }) => ({
        id,
        rollout: [...rollout],
        exptRollout,
      })),
    },
    exptIncludeAllTargets: flag.exptIncludeAllTargets,
  };
}
