import { canonicalJson } from '../../src/canonical/index.js';
import type { JsonValue } from '../../src/canonical/index.js';
import type { FeatBitFlag } from '../../src/featbit/model/index.js';
import { FlagWriteKind, type PlannedFlagWrite } from '../../src/featbit/rest-client/index.js';
import { comparableFlag } from './flag-config.js';

/** The revision-guarded writes (and the toggle, which FeatBit does not guard) that bring `live` back to `approved`. */
export interface RevertPlan {
  readonly writes: readonly PlannedFlagWrite[];
  /** Desired on/off state when it differs from FeatBit's, else undefined. */
  readonly toggleTo?: boolean;
}

function part(flag: FeatBitFlag, name: 'variations' | 'targeting'): string {
  const comparable = comparableFlag(flag) as Record<string, JsonValue>;
  if (name === 'variations') return canonicalJson(comparable.variations!);
  return canonicalJson([comparable.targetUsers!, comparable.rules!, comparable.fallthrough!, comparable.exptIncludeAllTargets!]);
}

/**
 * Plans the writes that restore the approved configuration. Planned from the flag just read, so it is redone after
 * every 409 and is empty when FeatBit already equals the approved state (DESIGN invariant 4). Variations are
 * written first when the approved targeting needs a variation the edit removed, otherwise targeting first so no
 * rule still points at a variation the restore removes.
 */
export function planRevert(live: FeatBitFlag, approved: FeatBitFlag, comment: string): RevertPlan {
  const writes: PlannedFlagWrite[] = [];
  const variationsDiffer = part(live, 'variations') !== part(approved, 'variations');
  const targetingDiffers = part(live, 'targeting') !== part(approved, 'targeting');
  const variationsWrite: PlannedFlagWrite = { kind: FlagWriteKind.Variations, variations: approved.variations, comment };
  const targetingWrite: PlannedFlagWrite = {
    kind: FlagWriteKind.Targeting,
    targeting: {
      targetUsers: approved.targetUsers,
      rules: approved.rules,
      fallthrough: approved.fallthrough,
      exptIncludeAllTargets: approved.exptIncludeAllTargets,
    },
    comment,
  };
  const liveIds = new Set(live.variations.map((variation) => variation.id));
  const restoresRemovedVariation = approved.variations.some((variation) => !liveIds.has(variation.id));
  if (variationsDiffer && restoresRemovedVariation) writes.push(variationsWrite);
  if (targetingDiffers) writes.push(targetingWrite);
  if (variationsDiffer && !restoresRemovedVariation) writes.push(variationsWrite);
  if (live.disabledVariationId !== approved.disabledVariationId) {
    writes.push({ kind: FlagWriteKind.OffVariation, offVariationId: approved.disabledVariationId, comment });
  }
  return { writes, ...(live.isEnabled !== approved.isEnabled ? { toggleTo: approved.isEnabled } : {}) };
}
