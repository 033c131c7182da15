import type { VariationType } from './variation-type.js';

/**
 * The part of FeatBit's flag model the evaluator reads, as plain types (no runtime schema), so a gate carries no
 * validator for FeatBit's wire shapes: the service validates FeatBit payloads with its own schemas, whose parsed
 * types are assignable to these.
 */

/** A variation; FeatBit stores every value as a string whatever the flag's type. */
export interface Variation {
  readonly id: string;
  readonly name: string;
  readonly value: string;
}

/** Individual targeting: these user keys get this variation. */
export interface TargetUser {
  readonly keyIds: readonly string[];
  readonly variationId: string;
}

/**
 * A rule condition. `value` is always a string (lists are JSON arrays inside it); segment conditions use the
 * property `User is in segment` / `User is not in segment` and ignore `op`.
 */
export interface Condition {
  readonly property: string;
  readonly op: string | null;
  readonly value: string;
}

/** A share of a rollout: the contexts whose bucket falls in `rollout` (inclusive fractions 0..1). */
export interface RolloutVariation {
  readonly id: string;
  readonly rollout: readonly [number, number];
}

/** A targeting rule: all conditions must match, then the rollout picks a variation. */
export interface TargetRule {
  readonly id: string;
  readonly name: string;
  readonly dispatchKey?: string | null | undefined;
  readonly conditions: readonly Condition[];
  readonly variations: readonly RolloutVariation[];
}

/** The default rule, served when no target or rule matches. */
export interface Fallthrough {
  readonly dispatchKey?: string | null | undefined;
  readonly variations: readonly RolloutVariation[];
}

/** A flag's identity and complete evaluation configuration. */
export interface FeatBitFlag {
  readonly key: string;
  readonly variationType: VariationType;
  readonly variations: readonly Variation[];
  readonly targetUsers: readonly TargetUser[];
  readonly rules: readonly TargetRule[];
  readonly isEnabled: boolean;
  readonly disabledVariationId: string;
  readonly fallthrough: Fallthrough;
  readonly isArchived: boolean;
}
