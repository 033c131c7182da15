import { SegmentConditionProperty, type Condition, type FeatBitSegment } from '../featbit-model/index.js';
import { userValue, type FeatBitUser } from './featbit-user.js';
import { MalformedFlagError } from './malformed-flag-error.js';
import { compileOperator, type ValueMatcher } from './operator.js';
import { isKeyListed } from './key-list.js';

/**
 * Finds a segment by id; FeatBit segment conditions name segments by id. Generic so a caller holding a richer
 * segment type (the service's parsed FeatBit segments) gets that type back.
 */
export type SegmentLookup<S extends FeatBitSegment = FeatBitSegment> = (segmentId: string) => S | undefined;

interface CompiledCondition {
  readonly op: string | null;
  readonly value: string;
  readonly matcher: ValueMatcher | undefined;
  readonly segmentIds: readonly string[] | undefined;
}

const compiled = new WeakMap<Condition, CompiledCondition>();

function compile(condition: Condition): CompiledCondition {
  const cached = compiled.get(condition);
  if (cached !== undefined && cached.op === condition.op && cached.value === condition.value) return cached;
  const fresh: CompiledCondition = isSegmentCondition(condition)
    ? { op: condition.op, value: condition.value, matcher: undefined, segmentIds: parseSegmentIds(condition.value) }
    : {
        op: condition.op,
        value: condition.value,
        matcher: compileOperator(condition.op, condition.value),
        segmentIds: undefined,
      };
  compiled.set(condition, fresh);
  return fresh;
}

/** Whether a condition tests segment membership (`User is in segment` / `User is not in segment`). */
export function isSegmentCondition(condition: Condition): boolean {
  return (
    condition.property === SegmentConditionProperty.IsIn || condition.property === SegmentConditionProperty.IsNotIn
  );
}

/** Reads a segment condition's value, a JSON array of segment ids; anything else is malformed data. */
export function parseSegmentIds(value: string): readonly string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new MalformedFlagError(`segment condition value is not a JSON array of segment ids: ${value}`, {
      cause: error,
    });
  }
  if (parsed === null) return [];
  if (!Array.isArray(parsed) || !parsed.every((item) => typeof item === 'string')) {
    throw new MalformedFlagError(`segment condition value is not a JSON array of segment ids: ${value}`);
  }
  return parsed as string[];
}

/**
 * Whether one condition holds for the user, with the evaluation server's semantics (`RuleMatcher.cs`): a segment
 * condition holds when the user is in any of the named segments (`User is not in segment`: in none of them); any
 * other condition applies its operator to the user's value of the property (a missing custom property is `''`,
 * a missing name matches nothing). Compiled operators are cached per condition object.
 * Throws `MalformedFlagError` for unusable data, including a segment id the lookup does not know (the server
 * fails the evaluation; the Node SDK 1.3.0 silently treats such a segment as not matching).
 */
export function matchCondition(condition: Condition, user: FeatBitUser, segments: SegmentLookup): boolean {
  const { matcher, segmentIds } = compile(condition);
  if (segmentIds !== undefined) {
    const inAny = isInAnySegment(segmentIds, user, segments);
    return condition.property === SegmentConditionProperty.IsIn ? inAny : !inAny;
  }
  const value = userValue(user, condition.property);
  return value !== undefined && matcher!(value);
}

/** Whether every condition holds (an empty list holds), stopping at the first that does not, as FeatBit does. */
export function matchConditions(conditions: readonly Condition[], user: FeatBitUser, segments: SegmentLookup): boolean {
  for (const condition of conditions) {
    if (!matchCondition(condition, user, segments)) return false;
  }
  return true;
}

function isInAnySegment(segmentIds: readonly string[], user: FeatBitUser, segments: SegmentLookup): boolean {
  for (const segmentId of segmentIds) {
    const segment = segments(segmentId);
    if (segment === undefined) throw new MalformedFlagError(`segment condition names an unknown segment: ${segmentId}`);
    if (isUserInSegment(segment, user)) return true;
  }
  return false;
}

/**
 * Applies a condition's operator to the user's property value, never reading it as a segment condition: how the
 * server treats conditions inside segment rules (a segment property there is just an unknown custom property).
 */
export function matchPropertyCondition(condition: Condition, user: FeatBitUser): boolean {
  const cached = compiledPlain.get(condition);
  let matcher: ValueMatcher;
  if (cached !== undefined && cached.op === condition.op && cached.value === condition.value) matcher = cached.matcher;
  else {
    matcher = compileOperator(condition.op, condition.value);
    compiledPlain.set(condition, { op: condition.op, value: condition.value, matcher });
  }
  const value = userValue(user, condition.property);
  return value !== undefined && matcher(value);
}

const compiledPlain = new WeakMap<Condition, { op: string | null; value: string; matcher: ValueMatcher }>();

/**
 * Whether the user is a member of the segment: excluded keys are never members, then included keys always are,
 * then anyone matching all conditions of any segment rule (`RuleMatcher.IsMatchSegment`).
 */
export function isUserInSegment(segment: FeatBitSegment, user: FeatBitUser): boolean {
  const key = user.keyId;
  if (isKeyListed(segment.excluded, key)) return false;
  if (isKeyListed(segment.included, key)) return true;
  for (const rule of segment.rules) {
    let all = true;
    for (const condition of rule.conditions) {
      if (!matchPropertyCondition(condition, user)) {
        all = false;
        break;
      }
    }
    if (all) return true;
  }
  return false;
}
