import { canonicalJson } from '../canonical/index.js';
import { ConflictError } from '../errors/index.js';
import type { FeatBitFlag, Variation } from '../featbit/model/index.js';
import { FlagWriteKind, type PlannedFlagWrite, updateFlagWithRevision } from '../featbit/rest-client/index.js';
import type { FeatBitRestClient } from '../featbit/rest-client/index.js';
import { comparableTargeting } from './comparable-targeting.js';
import { targetingOf } from './stage-targeting.js';

/** The revision-guarded writes, and the toggle FeatBit does not guard, that take a live flag to a wanted configuration. */
export interface ConfigurationPlan {
  readonly writes: readonly PlannedFlagWrite[];
  /** Desired on/off state when it differs from FeatBit's, else undefined. */
  readonly toggleTo?: boolean;
}

/**
 * Plans the writes that make FeatBit's variations, targeting, off variation and on/off state equal `wanted`.
 * Planned from the flag just read, so it is redone after every 409 and is empty when FeatBit already equals
 * `wanted` (which is how featgate's own writes never loop). Variations go first when the wanted targeting needs a
 * variation FeatBit lacks, otherwise targeting goes first so no rule still points at a variation being removed.
 */
export function planConfigurationWrites(live: FeatBitFlag, wanted: FeatBitFlag, comment: string): ConfigurationPlan {
  const writes: PlannedFlagWrite[] = [];
  const variationsDiffer =
    canonicalJson(live.variations.map(plainVariation)) !== canonicalJson(wanted.variations.map(plainVariation));
  const targetingDiffers = canonicalJson(comparableTargeting(live)) !== canonicalJson(comparableTargeting(wanted));
  const variationsWrite: PlannedFlagWrite = {
    kind: FlagWriteKind.Variations,
    variations: wanted.variations.map(plainVariation),
    comment,
  };
  const targetingWrite: PlannedFlagWrite = { kind: FlagWriteKind.Targeting, targeting: targetingOf(wanted), comment };
  const liveIds = new Set(live.variations.map((variation) => variation.id));
  const addsVariation = wanted.variations.some((variation) => !liveIds.has(variation.id));
  if (variationsDiffer && addsVariation) writes.push(variationsWrite);
  if (targetingDiffers) writes.push(targetingWrite);
  if (variationsDiffer && !addsVariation) writes.push(variationsWrite);
  if (live.disabledVariationId !== wanted.disabledVariationId) {
    writes.push({ kind: FlagWriteKind.OffVariation, offVariationId: wanted.disabledVariationId, comment });
  }
  return { writes, ...(live.isEnabled !== wanted.isEnabled ? { toggleTo: wanted.isEnabled } : {}) };
}

/**
 * What a configuration write does when FeatBit has the flag switched off but the wanted configuration has it on.
 * A kill switch reduces exposure, so only a write approved as a whole configuration may undo it (ARCHITECTURE.md invariant 2).
 */
export enum SwitchedOffFlag {
  /** Switch it on: the wanted configuration was approved as a whole (an approved proposal, break-glass). */
  TurnOn = 'turn-on',
  /** Leave it off and write the rest: a restoring write (rollback, break-glass expiry) never undoes a kill switch. */
  KeepOff = 'keep-off',
  /** Write nothing and refuse: a release stage must not widen a flag someone switched off. */
  Refuse = 'refuse',
}

/** What writing a whole configuration did in FeatBit. */
export interface ConfigurationWriteResult {
  /** FeatBit's revision of the flag afterwards. */
  readonly revision: string;
  /** Successful FeatBit writes (revision-guarded PUTs plus the toggle). */
  readonly writes: number;
}

/**
 * Makes FeatBit's flag equal `wanted` as featgate's service identity: revision-guarded writes that re-read and
 * re-plan on 409, then the toggle when the on/off state differs. Writes nothing when FeatBit already matches;
 * `switchedOff` says what happens to a flag FeatBit has switched off.
 */
export async function writeFlagConfiguration(
  featbit: FeatBitRestClient,
  envId: string,
  flagKey: string,
  wanted: FeatBitFlag,
  comment: string,
  switchedOff = SwitchedOffFlag.TurnOn,
): Promise<ConfigurationWriteResult> {
  let toggleTo: boolean | undefined;
  const result = await updateFlagWithRevision(featbit, envId, flagKey, (fresh) => {
    const killed = !fresh.isEnabled && wanted.isEnabled;
    if (killed && switchedOff === SwitchedOffFlag.Refuse) {
      throw new ConflictError(
        `${flagKey} is switched off in FeatBit (a kill switch featgate has not recorded yet); featgate does not widen a switched-off flag, retry once the kill switch is recorded`,
      );
    }
    const target = killed && switchedOff === SwitchedOffFlag.KeepOff ? { ...wanted, isEnabled: false } : wanted;
    const plan = planConfigurationWrites(fresh, target, comment);
    toggleTo = plan.toggleTo;
    return plan.writes;
  });
  if (toggleTo === undefined) return { revision: result.revision, writes: result.writes };
  const revision = await featbit.toggle(envId, flagKey, toggleTo, comment);
  return { revision, writes: result.writes + 1 };
}

function plainVariation(variation: Variation): Variation {
  return { id: variation.id, name: variation.name, value: variation.value };
}
