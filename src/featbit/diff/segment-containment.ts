import { canonicalJson } from '../../canonical/index.js';
import type { SegmentLookup } from '@featgate/openfeature/evaluator';
import type { FeatBitSegment, SegmentRule } from '../model/index.js';
import { propertyConditionImplies } from './condition-implication.js';
import { FlagSide, type SegmentContainment } from './flag-side.js';

/** Normalises what decides membership, so equal segments compare equal whatever their key order. */
function membershipOf(segment: FeatBitSegment): string {
  return canonicalJson({
    included: [...segment.included].sort(),
    excluded: [...segment.excluded].sort(),
    rules: segment.rules.map((rule) => rule.conditions.map(({ property, op, value }) => ({ property, op, value }))),
  });
}

/**
 * Whether a segment rule implies one of `others`. Conditions inside segment rules are plain property tests, even
 * when their property reads `User is in segment` (FeatBit's `IsMatchSegment` looks no segment up there).
 */
function ruleImpliesSomeRule(rule: SegmentRule, others: readonly SegmentRule[]): boolean {
  return others.some((other) =>
    other.conditions.every((b) => rule.conditions.some((a) => propertyConditionImplies(a, b))),
  );
}

/**
 * Whether every member of `inner` is a member of `outer` (proof, else false): keys excluded from `outer` are
 * excluded from `inner`, keys included in `inner` are included in `outer` (or `outer` has a rule matching everyone),
 * and every rule of `inner` implies a rule of `outer`. Conditions inside segment rules are plain property tests.
 */
export function isSegmentContained(inner: FeatBitSegment, outer: FeatBitSegment): boolean {
  if (inner === outer || membershipOf(inner) === membershipOf(outer)) return true;
  const innerExcluded = new Set(inner.excluded);
  if (!outer.excluded.every((key) => innerExcluded.has(key))) return false;
  const outerIncluded = new Set(outer.included);
  const outerMatchesAll = outer.rules.some((rule) => rule.conditions.length === 0);
  if (!outerMatchesAll && !inner.included.every((key) => innerExcluded.has(key) || outerIncluded.has(key)))
    return false;
  return inner.rules.every((rule) => ruleImpliesSomeRule(rule, outer.rules));
}

/** Segment containment between the two sides of a diff, looked up by id and memoised. */
export class SegmentSides implements SegmentContainment {
  private readonly memo = new Map<string, boolean>();

  constructor(
    private readonly before: SegmentLookup<FeatBitSegment>,
    private readonly after: SegmentLookup<FeatBitSegment>,
  ) {}

  /** The segment with this id on one side. */
  segment(segmentId: string, side: FlagSide): FeatBitSegment | undefined {
    return side === FlagSide.Before ? this.before(segmentId) : this.after(segmentId);
  }

  isContained(segmentId: string, from: FlagSide, to: FlagSide): boolean {
    const memoKey = `${from}>${to}:${segmentId}`;
    const known = this.memo.get(memoKey);
    if (known !== undefined) return known;
    const inner = this.segment(segmentId, from);
    const outer = this.segment(segmentId, to);
    const result = inner !== undefined && outer !== undefined && isSegmentContained(inner, outer);
    this.memo.set(memoKey, result);
    return result;
  }
}
