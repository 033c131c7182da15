import { canonicalJson } from '../../src/canonical/index.js';
import type { JsonValue } from '../../src/canonical/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';
import { comparableTargeting } from '../../src/releases/index.js';

/** The parts of a flag that decide what it serves and how it is described: what "equal to approved" compares. */
export function comparableFlag(flag: FeatBitFlag): JsonValue {
  return {
    key: flag.key,
    name: flag.name,
    description: flag.description,
    tags: [...flag.tags],
    variationType: flag.variationType,
    variations: flag.variations.map(({ id, name, value }) => ({ id, name, value })),
    ...comparableTargeting(flag),
    isEnabled: flag.isEnabled,
    disabledVariationId: flag.disabledVariationId,
    isArchived: flag.isArchived,
  };
}

/** The parts of a segment that decide membership. */
export function comparableSegment(segment: FeatBitSegment): JsonValue {
  return {
    id: segment.id,
    included: [...segment.included],
    excluded: [...segment.excluded],
    rules: segment.rules.map((rule) => ({
      id: rule.id,
      name: rule.name,
      conditions: rule.conditions.map(({ property, op, value }) => ({ property, op: op ?? null, value })),
    })),
  };
}

/** Whether two flag configurations are the same for featgate's purposes (canonical JSON comparison). */
export function flagsEqual(a: FeatBitFlag, b: FeatBitFlag): boolean {
  return canonicalJson(comparableFlag(a)) === canonicalJson(comparableFlag(b));
}

/** Whether two segments have the same membership definition. */
export function segmentsEqual(a: FeatBitSegment, b: FeatBitSegment): boolean {
  return canonicalJson(comparableSegment(a)) === canonicalJson(comparableSegment(b));
}

/** Finds the baseline variation's id from the policy's `baselineVariation`, which may be an id or a name. */
export function resolveBaselineVariationId(flag: FeatBitFlag, idOrName: string): string | undefined {
  return (
    flag.variations.find((variation) => variation.id === idOrName) ??
    flag.variations.find((variation) => variation.name === idOrName)
  )?.id;
}

/**
 * Whether the flag can serve nothing but the baseline: when off, the off variation is the baseline; when on,
 * every target, every non-empty rollout share of every rule and of the default rule is the baseline.
 */
export function exposesOnlyBaseline(flag: FeatBitFlag, baselineVariationId: string): boolean {
  if (flag.disabledVariationId !== baselineVariationId) return false;
  if (!flag.isEnabled) return true;
  const shares = [...flag.rules.flatMap((rule) => rule.variations), ...flag.fallthrough.variations];
  return (
    flag.targetUsers.every((target) => target.keyIds.length === 0 || target.variationId === baselineVariationId) &&
    shares.every((share) => share.rollout[1] - share.rollout[0] <= 0 || share.id === baselineVariationId)
  );
}

/**
 * The safest configuration of a flag featgate has no approval for: the same variations, everyone on the baseline
 * (no targets, no rules, default rule and off variation on the baseline). Used when a governed flag appears that
 * exposes more than its baseline: FeatBit is converged to this and the admin's configuration becomes a proposal.
 */
export function baselineOnlyConfiguration<F extends FeatBitFlag>(flag: F, baselineVariationId: string): F {
  return {
    ...flag,
    targetUsers: [],
    rules: [],
    disabledVariationId: baselineVariationId,
    fallthrough: { ...flag.fallthrough, variations: [{ id: baselineVariationId, rollout: [0, 1], exptRollout: 1 }] },
  };
}
