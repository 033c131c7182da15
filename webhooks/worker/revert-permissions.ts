import { canonicalJson, type JsonValue } from '../../src/canonical/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';
import { FeatBitAction } from '../../src/featbit/rest-client/index.js';
import { comparableTargeting } from '../../src/releases/index.js';
import { comparableSegment } from './flag-config.js';
import { governedFieldPatch } from './governed-field-patch.js';

const same = (a: unknown, b: unknown): boolean => canonicalJson(a as JsonValue) === canonicalJson(b as JsonValue);

/**
 * The FeatBit actions the guarded revert of `live` to `approved` needs (the switch is never written): one per
 * endpoint the plan writes, and for targeting one per part that differs, as FeatBit's `UpdateTargeting` demands them
 * (FeatBit asks for fewer when its FlagComparer misses a change, never for more), plus JSON Patch for key, tags,
 * name, description, variation type and archive state.
 */
export function flagRevertActions(live: FeatBitFlag, approved: FeatBitFlag): FeatBitAction[] {
  const before = comparableTargeting(live);
  const after = comparableTargeting(approved);
  const variations = (flag: FeatBitFlag) => flag.variations.map(({ id, name, value }) => ({ id, name, value }));
  return [
    ...(same(variations(live), variations(approved)) ? [] : [FeatBitAction.UpdateFlagVariations]),
    ...(same(before.targetUsers, after.targetUsers) ? [] : [FeatBitAction.UpdateFlagIndividualTargeting]),
    ...(same(before.rules, after.rules) ? [] : [FeatBitAction.UpdateFlagTargetingRules]),
    ...(same(before.fallthrough, after.fallthrough) && before.exptIncludeAllTargets === after.exptIncludeAllTargets
      ? []
      : [FeatBitAction.UpdateFlagDefaultRule]),
    ...(live.disabledVariationId === approved.disabledVariationId ? [] : [FeatBitAction.UpdateFlagOffVariation]),
    ...(governedFieldPatch(live as unknown as Record<string, unknown>, approved).length === 0
      ? []
      : [FeatBitAction.PatchFlag]),
  ];
}

/** The actions restoring `approved` over `live` needs on a segment (`Segments/UpdateTargeting.cs`, by what differs). */
export function segmentRevertActions(live: FeatBitSegment | undefined, approved: FeatBitSegment): FeatBitAction[] {
  const before = live
    ? (comparableSegment(live) as { included: unknown; excluded: unknown; rules: unknown })
    : undefined;
  const after = comparableSegment(approved) as { included: unknown; excluded: unknown; rules: unknown };
  return [
    ...(before && same(before.included, after.included) && same(before.excluded, after.excluded)
      ? []
      : [FeatBitAction.UpdateSegmentTargetingUsers]),
    ...(before && same(before.rules, after.rules) ? [] : [FeatBitAction.UpdateSegmentRules]),
  ];
}

/**
 * The actions a refused request needed, read from its `METHOD path` (a targeting write names the parts it changed,
 * given as `targetingParts`): what a 403 teaches about the token.
 */
export function actionsOfRequest(request: string, targetingParts: readonly FeatBitAction[]): FeatBitAction[] {
  const [method = '', path = ''] = request.split(' ');
  if (method === 'PATCH') return [FeatBitAction.PatchFlag];
  if (/\/segments\/[^/]+\/targeting$/.test(path))
    return [FeatBitAction.UpdateSegmentTargetingUsers, FeatBitAction.UpdateSegmentRules];
  if (path.endsWith('/targeting')) return [...targetingParts];
  if (path.endsWith('/variations')) return [FeatBitAction.UpdateFlagVariations];
  if (path.endsWith('/off-variation')) return [FeatBitAction.UpdateFlagOffVariation];
  if (/\/toggle\/[^/]+$/.test(path)) return [FeatBitAction.ToggleFlag];
  return [];
}

/** The targeting actions among `actions`. */
export function targetingActions(actions: readonly FeatBitAction[]): FeatBitAction[] {
  return actions.filter((action) => TARGETING.has(action));
}

const TARGETING: ReadonlySet<FeatBitAction> = new Set([
  FeatBitAction.UpdateFlagDefaultRule,
  FeatBitAction.UpdateFlagIndividualTargeting,
  FeatBitAction.UpdateFlagTargetingRules,
]);
