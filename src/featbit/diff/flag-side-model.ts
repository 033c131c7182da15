import { isNullOrWhiteSpace, type SegmentLookup } from '@featgate/openfeature/evaluator';
import type { Condition, FeatBitFlag, FeatBitSegment, RolloutVariation } from '../model/index.js';
import { isBucketEmpty, type BucketGrid, type BucketSet } from './bucket-grid.js';
import type { FlagSide } from './flag-side.js';

/** One step of the decision list that buckets: a rule or the default rule. */
export interface RolloutStep {
  /** Conditions that must all hold; empty for the default rule. */
  readonly conditions: readonly Condition[];
  /** Flag key plus the normalised dispatch key: equal strings bucket every context identically. */
  readonly dispatch: string;
  readonly rollouts: readonly RolloutVariation[];
  /** Buckets for which this step serves a variation (first matching rollout entry wins). */
  served(variationId: string): BucketSet;
}

/** One flag state prepared for exposure proofs: first-target map, rules and default rule with bucket sets. */
export interface FlagSideModel {
  readonly side: FlagSide;
  readonly flag: FeatBitFlag;
  readonly segments: SegmentLookup<FeatBitSegment>;
  /** User key → variation of the first target list holding it. */
  readonly firstTarget: ReadonlyMap<string, string>;
  readonly rules: readonly RolloutStep[];
  readonly fallthrough: RolloutStep;
}

/** The dispatch identity of a rollout step: blank dispatch keys bucket on the user key, as FeatBit does. */
export function dispatchIdentity(flagKey: string, dispatchKey: string | null | undefined): string {
  return `${flagKey}\u0000${isNullOrWhiteSpace(dispatchKey) ? 'keyId' : dispatchKey}`;
}

function rolloutStep(
  grid: BucketGrid,
  flagKey: string,
  conditions: readonly Condition[],
  dispatchKey: string | null | undefined,
  rollouts: readonly RolloutVariation[],
): RolloutStep {
  const cache = new Map<string, BucketSet>();
  return {
    conditions,
    dispatch: dispatchIdentity(flagKey, dispatchKey),
    rollouts,
    served(variationId) {
      let set = cache.get(variationId);
      if (set === undefined) {
        set = grid.servedBy(rollouts, variationId);
        cache.set(variationId, set);
      }
      return set;
    },
  };
}

/** Builds the model of one flag state over a shared bucket grid. */
export function buildSideModel(
  side: FlagSide,
  flag: FeatBitFlag,
  segments: SegmentLookup<FeatBitSegment>,
  grid: BucketGrid,
): FlagSideModel {
  const firstTarget = new Map<string, string>();
  for (const target of flag.targetUsers) {
    for (const key of target.keyIds) if (!firstTarget.has(key)) firstTarget.set(key, target.variationId);
  }
  return {
    side,
    flag,
    segments,
    firstTarget,
    rules: flag.rules.map((rule) => rolloutStep(grid, flag.key, rule.conditions, rule.dispatchKey, rule.variations)),
    fallthrough: rolloutStep(grid, flag.key, [], flag.fallthrough.dispatchKey, flag.fallthrough.variations),
  };
}

/**
 * Whether this flag state can serve the variation to anyone (an over-approximation: a target list, a rule or the
 * default rule that names it with a non-empty share, or the off variation when disabled).
 */
export function canServe(model: FlagSideModel, variationId: string): boolean {
  // Archived flags still serve through FeatBit's server SDKs, so archiving changes nothing here.
  const { flag } = model;
  if (!flag.isEnabled) return flag.disabledVariationId === variationId;
  for (const target of model.firstTarget.values()) if (target === variationId) return true;
  return [...model.rules, model.fallthrough].some((step) => !isBucketEmpty(step.served(variationId)));
}
