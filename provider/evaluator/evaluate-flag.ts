import type { FeatBitFlag, RolloutVariation, Variation } from '../featbit-model/index.js';
import { matchConditions, type SegmentLookup } from './condition-matcher.js';
import { dispatchBucket, dispatchValueOf, isInRollout, rolloutNeedsBucket } from './dispatch.js';
import type { FeatBitUser } from './featbit-user.js';
import { isKeyListed } from './key-list.js';
import { MalformedFlagError } from './malformed-flag-error.js';

/** Which step of FeatBit's decision list produced the result. Malformed data gives `Error`. */
export enum EvaluationKind {
  Off = 'Off',
  TargetMatch = 'TargetMatch',
  RuleMatch = 'RuleMatch',
  FallThrough = 'FallThrough',
  Error = 'Error',
}

/** The outcome of evaluating one flag for one user. */
export interface FlagEvaluation {
  kind: EvaluationKind;
  /** The served variation; absent for `Error`. */
  variationId?: string;
  /** The matched rule, for `RuleMatch`. */
  ruleId?: string;
  /** Human-readable reason, worded like the Node SDK (`flag off`, `match rule <name>`, ...). */
  reason: string;
  /** The served variation's value (FeatBit stores every value as a string); absent for `Error`. */
  value?: string;
}

/**
 * Evaluates a flag for a user with the FeatBit evaluation server's semantics (`Evaluator.cs`, `RuleMatcher.cs`,
 * `Operator.cs`, `DispatchAlgorithm.cs`): disabled →
 * the off variation; then the first target list holding the user key; then the first rule whose conditions all
 * hold, bucketing on its dispatch key; then the default rule. The first rollout range holding the bucket wins.
 *
 * Archived flags are evaluated like any other, as FeatBit's server SDKs serve them (they stay in the data-sync feed);
 * only the evaluation server of client SDKs serves nothing for them, and that is never wider.
 *
 * Where `@featbit/node-server-sdk` 1.3.0 differs, this follows the server:
 * - a missing dispatch attribute: the SDK hashes `flagKey + "undefined"`, the server `flagKey + ""`;
 * - a missing condition attribute: the server uses `''` (so `NotEqual` holds); the SDK passes `undefined`, which
 *   makes `Contains`/`NotContain`/`StartsWith`/`EndsWith` throw a TypeError out of the variation call;
 * - non-string attribute values: the SDK throws in several operators; here attributes are strings by type
 *   (see `toFeatBitAttribute`);
 * - `MatchRegex`/`NotMatchRegex`: the SDK swaps the arguments (the user value becomes the pattern) and accepts a
 *   `/pattern/flags` form; here the rule value is the pattern, as on the server;
 * - numeric operators: the SDK uses `parseFloat` (`"12abc"` is 12); here .NET `double.TryParse` rules apply;
 * - `IsOneOf`/`NotOneOf` with a value that is not a JSON string array, an invalid regex, an unknown segment id or
 *   a rollout/target naming an unknown variation: the server fails the evaluation (`Error` here); the SDK returns
 *   false, skips the segment or throws;
 * - experiment sampling (`includedInExpt` of rules) is not evaluated here: it only affects insight events.
 * Remaining differences from the .NET server: regexes run on RE2 (linear time) with .NET's `\d`, `\w` and `$` rules
 * translated; .NET-only constructs (lookaround, backreferences) fail the evaluation; `StartsWith`/`EndsWith`
 * are ordinal (.NET uses the current culture, invariant in FeatBit's containers).
 */
export function evaluateFlag(flag: FeatBitFlag, user: FeatBitUser, segments: SegmentLookup): FlagEvaluation {
  try {
    return evaluate(flag, user, segments);
  } catch (error) {
    if (error instanceof MalformedFlagError)
      return { kind: EvaluationKind.Error, reason: `malformed flag: ${error.message}` };
    throw error;
  }
}

function evaluate(flag: FeatBitFlag, user: FeatBitUser, segments: SegmentLookup): FlagEvaluation {
  if (!flag.isEnabled) {
    const variation = variationOf(flag, flag.disabledVariationId);
    return { kind: EvaluationKind.Off, variationId: variation.id, reason: 'flag off', value: variation.value };
  }
  for (const target of flag.targetUsers) {
    if (isKeyListed(target.keyIds, user.keyId)) {
      const variation = variationOf(flag, target.variationId);
      return {
        kind: EvaluationKind.TargetMatch,
        variationId: variation.id,
        reason: 'target match',
        value: variation.value,
      };
    }
  }
  for (const rule of flag.rules) {
    if (matchConditions(rule.conditions, user, segments)) {
      const variation = variationOf(flag, pickRollout(flag.key, rule.variations, user, rule.dispatchKey).id);
      return {
        kind: EvaluationKind.RuleMatch,
        variationId: variation.id,
        ruleId: rule.id,
        reason: `match rule ${rule.name}`,
        value: variation.value,
      };
    }
  }
  const fallthrough = flag.fallthrough;
  const variation = variationOf(flag, pickRollout(flag.key, fallthrough.variations, user, fallthrough.dispatchKey).id);
  return {
    kind: EvaluationKind.FallThrough,
    variationId: variation.id,
    reason: 'fall through targets and rules',
    value: variation.value,
  };
}

/**
 * The rollout variation a user gets from a rule's or the default rule's rollout: the first one (stored order)
 * whose range holds the user's bucket for the dispatch key. Throws `MalformedFlagError` when none does.
 */
export function pickRollout(
  flagKey: string,
  rollouts: readonly RolloutVariation[],
  user: FeatBitUser,
  dispatchKey: string | null | undefined,
): RolloutVariation {
  let bucket: number | undefined;
  for (const rollout of rollouts) {
    if (!rolloutNeedsBucket(rollout.rollout)) {
      if (isInRollout(0, rollout.rollout)) return rollout;
      continue;
    }
    bucket ??= dispatchBucket(flagKey, dispatchValueOf(user, dispatchKey));
    if (isInRollout(bucket, rollout.rollout)) return rollout;
  }
  throw new MalformedFlagError('no rollout variation covers the user');
}

function variationOf(flag: FeatBitFlag, variationId: string): Variation {
  const variation = flag.variations.find((candidate) => candidate.id === variationId);
  if (variation === undefined)
    throw new MalformedFlagError(`variation ${variationId} does not exist in flag ${flag.key}`);
  return variation;
}
