import { StageAudienceKind, type StageAudienceBinding } from '../changes/model/index.js';
import { ConflictError } from '../errors/index.js';
import type { FeatBitFlag, FeatBitSegment, RolloutVariation, TargetRule } from '../featbit/model/index.js';
import type { FlagTargeting } from '../featbit/rest-client/index.js';
import { conditionsHashOf, membershipHashOf } from '../changes/index.js';
import { contentHash } from '../canonical/index.js';

/** Where a release stage puts its exposure in FeatBit's targeting. */
export type StageSlot =
  { readonly kind: 'default-rule' } | { readonly kind: 'rule'; readonly ruleId: string; readonly ruleName: string };

/** What one stage of a change means for one flag. */
export interface StageTargetingInput {
  /** The flag as approved before the change's release began (the baseline configuration). */
  readonly baseline: FeatBitFlag;
  readonly baselineVariationId: string;
  readonly candidateVariationId: string;
  /** Stage percentage, 0..100. */
  readonly percentage: number;
  /** The stage's audience in words. */
  readonly audience: string;
  /**
   * What the audience was bound to when the record was written (and so approved), with the approved segments.
   * When present it decides, not the words: a renamed rule still gets the stage, a changed one refuses it.
   */
  readonly binding?: StageAudienceBinding & { readonly segments: readonly FeatBitSegment[] };
}

/**
 * How a release stage maps onto FeatBit targeting (featgate's documented convention):
 * - audience: when the baseline configuration has a targeting rule whose name equals the stage's audience
 *   (case and surrounding spaces ignored), the stage applies to that rule; otherwise to the default rule
 *   (fallthrough), i.e. everyone no individual target or rule catches;
 * - percentage: that rule's (or the default rule's) rollout becomes the candidate on `[0, p]` and the baseline
 *   on `[p, 1]` (p = percentage / 100; 100 % = candidate only, 0 % = baseline only), keeping its dispatch key so
 *   the same contexts stay inside as the percentage grows;
 * - everything else (individual targets, other rules, on/off, off variation) stays as approved, so a stage
 *   never widens anything but the candidate's share in its own slot.
 * Every stage is computed from the baseline, never from the previous stage, so re-applying is idempotent.
 */
export function stageTargeting(input: StageTargetingInput): { targeting: FlagTargeting; slot: StageSlot } {
  const split = rolloutSplit(input.candidateVariationId, input.baselineVariationId, input.percentage);
  const audience = normalise(input.audience);
  const rule = input.binding
    ? boundRule(input.baseline, input.binding)
    : input.baseline.rules.find((candidate) => normalise(candidate.name) === audience);
  const rules = input.baseline.rules.map((existing) =>
    existing === rule ? { ...existing, variations: split } : existing,
  );
  const fallthrough = rule ? input.baseline.fallthrough : { ...input.baseline.fallthrough, variations: split };
  return {
    targeting: {
      targetUsers: input.baseline.targetUsers,
      rules,
      fallthrough,
      exptIncludeAllTargets: input.baseline.exptIncludeAllTargets,
    },
    slot: rule ? { kind: 'rule', ruleId: rule.id, ruleName: rule.name } : { kind: 'default-rule' },
  };
}

/**
 * The rule a binding names, checked against what was approved: `everyone` is the default rule (undefined); a rule
 * or segment binding needs the same rule id with the same conditions (and the segment with the same membership),
 * else the stage is refused with what changed.
 */
function boundRule(
  flag: FeatBitFlag,
  binding: StageAudienceBinding & { readonly segments: readonly FeatBitSegment[] },
): TargetRule | undefined {
  if (binding.kind === StageAudienceKind.Everyone) return undefined;
  const rule = flag.rules.find((candidate) => candidate.id === binding.ruleId);
  const named = `rule ${binding.ruleName ? `"${binding.ruleName}" ` : ''}(${binding.ruleId ?? '?'})`;
  if (!rule)
    throw new ConflictError(
      `stage ${binding.stage + 1} is approved for ${named} of ${flag.key}, which no longer exists; the stage is refused`,
    );
  if (binding.kind === StageAudienceKind.Rule) {
    if (conditionsHashOf(rule) !== binding.conditionsHash) {
      throw new ConflictError(
        `stage ${binding.stage + 1} is approved for ${named} of ${flag.key}, whose conditions changed since approval; the stage is refused`,
      );
    }
    return rule;
  }
  const segment = binding.segments.find((candidate) => candidate.id === binding.segmentId);
  if (
    !segment ||
    contentHash({ rule: conditionsHashOf(rule), segment: membershipHashOf(segment) }) !== binding.conditionsHash
  ) {
    throw new ConflictError(
      `stage ${binding.stage + 1} is approved for segment ${binding.segmentName ?? binding.segmentId ?? '?'} through ${named} of ${flag.key}; ` +
        'the rule or the segment changed since approval, so the stage is refused',
    );
  }
  return rule;
}

/** The targeting part of a flag, for writing a configuration back unchanged (rollback to baseline). */
export function targetingOf(flag: FeatBitFlag): FlagTargeting {
  return {
    targetUsers: flag.targetUsers,
    rules: flag.rules,
    fallthrough: flag.fallthrough,
    exptIncludeAllTargets: flag.exptIncludeAllTargets,
  };
}

/** Candidate on `[0, p]`, baseline on `[p, 1]`. */
export function rolloutSplit(candidateId: string, baselineId: string, percentage: number): RolloutVariation[] {
  const share = Math.min(1, Math.max(0, percentage / 100));
  if (share >= 1) return [{ id: candidateId, rollout: [0, 1], exptRollout: 1 }];
  if (share <= 0) return [{ id: baselineId, rollout: [0, 1], exptRollout: 1 }];
  return [
    { id: candidateId, rollout: [0, share], exptRollout: 1 },
    { id: baselineId, rollout: [share, 1], exptRollout: 1 },
  ];
}

function normalise(text: string): string {
  return text.trim().toLowerCase();
}
