import type { Condition } from './featbit-flag.js';

/** A segment rule: all conditions must match. Segment rules cannot reference other segments. */
export interface SegmentRule {
  readonly conditions: readonly Condition[];
}

/** A segment as the evaluator reads it; excluded keys win over included keys, which win over rules. */
export interface FeatBitSegment {
  readonly id: string;
  readonly included: readonly string[];
  readonly excluded: readonly string[];
  readonly rules: readonly SegmentRule[];
}
