import {
  compileOperator,
  isSegmentCondition,
  OperatorType,
  parseDotNetDouble,
  parseSegmentIds,
  parseStringList,
} from '@featgate/openfeature/evaluator';
import { SegmentConditionProperty, type Condition } from '../model/index.js';
import type { FlagSide, SegmentContainment } from './flag-side.js';

const EXACT_OPS = new Set<string>([OperatorType.Equal, OperatorType.IsOneOf]);
const VALUE_FREE_OPS = new Set<string>([OperatorType.IsTrue, OperatorType.IsFalse]);

/** The values a user can have when an Equal/IsOneOf condition holds, or undefined for other ops or bad data. */
function exactValues(condition: Condition): string[] | undefined {
  if (condition.op === OperatorType.Equal) return [condition.value];
  if (condition.op === OperatorType.IsOneOf) {
    try {
      const list = parseStringList(condition.value);
      return list === null ? [] : [...list].filter((value): value is string => value !== null);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Regex operators: the diff never executes a pattern from FeatBit data; what they match is unprovable to it. */
const REGEX_OPS: ReadonlySet<string> = new Set([OperatorType.MatchRegex, OperatorType.NotMatchRegex]);

/**
 * Whether `condition` holds for `value`, or undefined when that is not decided without running a regex (or on
 * bad data): then neither an implication nor an exclusion is claimed.
 */
export function decideCondition(condition: Condition, value: string): boolean | undefined {
  if (condition.op !== null && REGEX_OPS.has(condition.op)) return undefined;
  try {
    return compileOperator(condition.op, condition.value)(value);
  } catch {
    return undefined;
  }
}

function number(text: string): number | undefined {
  const value = parseDotNetDouble(text);
  return value === undefined || Number.isNaN(value) ? undefined : value;
}

function stringList(value: string): Set<string | null> | undefined {
  try {
    const list = parseStringList(value);
    return list === null ? undefined : new Set(list);
  } catch {
    return undefined;
  }
}

function numericImplies(a: Condition, b: Condition): boolean {
  const x = number(a.value);
  const y = number(b.value);
  if (x === undefined || y === undefined) return false;
  const lower = (op: string | null) => op === OperatorType.BiggerThan || op === OperatorType.BiggerEqualThan;
  const upper = (op: string | null) => op === OperatorType.LessThan || op === OperatorType.LessEqualThan;
  const strict = (op: string | null) => op === OperatorType.BiggerThan || op === OperatorType.LessThan;
  if (lower(a.op) && lower(b.op)) return x > y || (x === y && (strict(a.op) || !strict(b.op)));
  if (upper(a.op) && upper(b.op)) return x < y || (x === y && (strict(a.op) || !strict(b.op)));
  return false;
}

/**
 * Whether a property condition `a` implies `b` (every user value satisfying `a` satisfies `b`), proven from the
 * operator semantics; false when no proof is found. Both must test the same property.
 */
export function propertyConditionImplies(a: Condition, b: Condition): boolean {
  if (a.property !== b.property) return false;
  if (a.op === b.op && (a.value === b.value || (a.op !== null && VALUE_FREE_OPS.has(a.op)))) return true;
  const values = a.op !== null && EXACT_OPS.has(a.op) ? exactValues(a) : undefined;
  if (values !== undefined) return values.every((value) => decideCondition(b, value) === true);
  if (numericImplies(a, b)) return true;
  switch (a.op) {
    case OperatorType.StartsWith:
      return (
        (b.op === OperatorType.StartsWith && a.value.startsWith(b.value)) ||
        (b.op === OperatorType.Contains && a.value.includes(b.value))
      );
    case OperatorType.EndsWith:
      return (
        (b.op === OperatorType.EndsWith && a.value.endsWith(b.value)) ||
        (b.op === OperatorType.Contains && a.value.includes(b.value))
      );
    case OperatorType.Contains:
      return b.op === OperatorType.Contains && a.value.includes(b.value);
    case OperatorType.NotContain:
      return b.op === OperatorType.NotContain && b.value.includes(a.value);
    case OperatorType.NotOneOf: {
      const excluded = stringList(a.value);
      if (excluded === undefined) return false;
      if (b.op === OperatorType.NotEqual) return excluded.has(b.value);
      if (b.op !== OperatorType.NotOneOf) return false;
      const required = stringList(b.value);
      return required !== undefined && [...required].every((value) => excluded.has(value));
    }
    case OperatorType.NotEqual: {
      if (b.op !== OperatorType.NotOneOf) return false;
      const required = stringList(b.value);
      return required !== undefined && [...required].every((value) => value === a.value || value === null);
    }
    default:
      return false;
  }
}

/**
 * Whether two property conditions cannot hold at once (a user satisfying `a` never satisfies `b`): `a` pins the
 * value (Equal/IsOneOf) and `b` rejects every pinned value, or IsTrue meets IsFalse.
 */
export function propertyConditionsExclude(a: Condition, b: Condition): boolean {
  if (a.property !== b.property) return false;
  const values = a.op !== null && EXACT_OPS.has(a.op) ? exactValues(a) : undefined;
  if (values !== undefined) return values.every((value) => decideCondition(b, value) === false);
  return (
    (a.op === OperatorType.IsTrue && b.op === OperatorType.IsFalse) ||
    (a.op === OperatorType.IsFalse && b.op === OperatorType.IsTrue)
  );
}

function segmentIds(condition: Condition): readonly string[] | undefined {
  try {
    return parseSegmentIds(condition.value);
  } catch {
    return undefined;
  }
}

function segmentConditionImplies(
  a: Condition,
  sideA: FlagSide,
  b: Condition,
  sideB: FlagSide,
  segments: SegmentContainment,
): boolean {
  if (a.property !== b.property) return false;
  const idsA = segmentIds(a);
  const idsB = segmentIds(b);
  if (idsA === undefined || idsB === undefined) return false;
  if (a.property === SegmentConditionProperty.IsIn) {
    return idsA.every((id) => idsB.includes(id) && segments.isContained(id, sideA, sideB));
  }
  return idsB.every((id) => idsA.includes(id) && segments.isContained(id, sideB, sideA));
}

/**
 * Whether the conjunction `conditionsA` (evaluated on side A) implies the conjunction `conditionsB` (on side B):
 * every condition of B follows from one condition of A. Segment conditions follow when the segment's membership
 * moved in the safe direction between the sides (proven by `segments`).
 */
export function conditionsImply(
  conditionsA: readonly Condition[],
  sideA: FlagSide,
  conditionsB: readonly Condition[],
  sideB: FlagSide,
  segments: SegmentContainment,
): boolean {
  return conditionsB.every((b) =>
    conditionsA.some((a) =>
      isSegmentCondition(b)
        ? isSegmentCondition(a) && segmentConditionImplies(a, sideA, b, sideB, segments)
        : !isSegmentCondition(a) && propertyConditionImplies(a, b),
    ),
  );
}

/** Whether no user can satisfy both conjunctions (one property condition of each excludes the other). */
export function conditionsExclude(conditionsA: readonly Condition[], conditionsB: readonly Condition[]): boolean {
  return conditionsA.some(
    (a) => !isSegmentCondition(a) && conditionsB.some((b) => !isSegmentCondition(b) && propertyConditionsExclude(a, b)),
  );
}
