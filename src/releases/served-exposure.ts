import { z } from 'zod';
import type { FeatBitFlag, RolloutVariation } from '../featbit/model/index.js';

/** One variation's share of a targeting slot. */
export const servedShareSchema = z.object({
  variationId: z.string(),
  variationName: z.string(),
  /** Fraction 0..1 of the slot's contexts served this variation (for individual targets: 1, with `users`). */
  share: z.number(),
  /** Whether this variation holds the change's candidate value (false when featgate cannot tell: secrets). */
  candidate: z.boolean(),
  /** Number of user keys, for individual targets. */
  users: z.number().int().optional(),
});
export type ServedShare = z.infer<typeof servedShareSchema>;

/** A place in a flag's targeting that decides what a context is served. */
export const servedSlotSchema = z.object({
  /** `flag off`, `individual targets`, `rule "<name>"` or `default rule`. */
  where: z.string(),
  shares: z.array(servedShareSchema),
});
export type ServedSlot = z.infer<typeof servedSlotSchema>;

/** What FeatBit serves for one flag right now, read from FeatBit itself. */
export const servedExposureSchema = z.object({
  enabled: z.boolean(),
  archived: z.boolean(),
  slots: z.array(servedSlotSchema),
});
export type ServedExposure = z.infer<typeof servedExposureSchema>;

/**
 * Reads what a FeatBit flag serves, slot by slot: when off, its off variation to everyone; otherwise the
 * individual targets, each rule's rollout and the default rule's rollout. `isCandidate` marks the variations
 * that hold the change's candidate, so a person sees the candidate's share where it is served. Archived flags
 * still serve through server SDKs (FeatBit's evaluation server keeps them), so they are read the same way.
 */
export function servedExposure(flag: FeatBitFlag, isCandidate: (variationId: string) => boolean): ServedExposure {
  const name = (id: string) => flag.variations.find((variation) => variation.id === id)?.name ?? id;
  const share = (variationId: string, fraction: number, users?: number): ServedShare => ({
    variationId,
    variationName: name(variationId),
    share: fraction,
    candidate: isCandidate(variationId),
    ...(users === undefined ? {} : { users }),
  });
  const rollout = (variations: readonly RolloutVariation[]) =>
    variations.map((variation) =>
      share(variation.id, Math.max(0, Math.min(1, variation.rollout[1]) - Math.max(0, variation.rollout[0]))),
    );
  if (!flag.isEnabled) {
    return {
      enabled: false,
      archived: flag.isArchived,
      slots: [{ where: 'flag off', shares: [share(flag.disabledVariationId, 1)] }],
    };
  }
  const slots: ServedSlot[] = [];
  const targeted = flag.targetUsers.filter((target) => target.keyIds.length > 0);
  if (targeted.length > 0)
    slots.push({
      where: 'individual targets',
      shares: targeted.map((target) => share(target.variationId, 1, target.keyIds.length)),
    });
  for (const rule of flag.rules)
    slots.push({ where: `rule "${rule.name || rule.id}"`, shares: rollout(rule.variations) });
  slots.push({ where: 'default rule', shares: rollout(flag.fallthrough.variations) });
  return { enabled: true, archived: flag.isArchived, slots };
}

/** One line per slot, e.g. `default rule: candidate 25% (v2), baseline 75% (v1)`, for people reading a terminal. */
export function describeServedExposure(exposure: ServedExposure): string[] {
  const percent = (fraction: number) => `${Math.round(fraction * 10_000) / 100}%`;
  const lines = exposure.slots.map((slot) => {
    const parts = slot.shares.map((entry) => {
      const amount = entry.users !== undefined ? `${entry.users} user(s)` : percent(entry.share);
      return `${entry.candidate ? 'candidate ' : ''}${entry.variationName} ${amount}`;
    });
    return `${slot.where}: ${parts.join(', ')}`;
  });
  if (exposure.archived) lines.push('archived in FeatBit (server SDKs still serve it)');
  return lines;
}
