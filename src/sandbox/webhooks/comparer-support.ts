/**
 * Loose views of flag and segment parts as FeatBit's C# classes see them after JSON deserialization:
 * absent properties are null, so comparisons follow .NET's `==` on strings.
 */
export interface LooseCondition {
  readonly id?: string | null | undefined;
  readonly property?: string | null | undefined;
  readonly op?: string | null | undefined;
  readonly value?: string | null | undefined;
}

/** `Enumerable.Except`: distinct items of `left` not in `right`, in first-seen order. */
export function except<T>(left: readonly T[], right: readonly T[]): T[] {
  const excluded = new Set(right);
  const seen = new Set<T>();
  const result: T[] = [];
  for (const item of left) {
    if (excluded.has(item) || seen.has(item)) continue;
    seen.add(item);
    result.push(item);
  }
  return result;
}

/** `Enumerable.ExceptBy`: items of `left` whose key is not among `rightKeys`, distinct by key. */
export function exceptBy<T, K>(left: readonly T[], rightKeys: readonly K[], key: (item: T) => K): T[] {
  const excluded = new Set(rightKeys);
  const seen = new Set<K>();
  const result: T[] = [];
  for (const item of left) {
    const k = key(item);
    if (excluded.has(k) || seen.has(k)) continue;
    seen.add(k);
    result.push(item);
  }
  return result;
}

/** `Enumerable.IntersectBy`: items of `left` whose key is among `rightKeys`, distinct by key. */
export function intersectBy<T, K>(left: readonly T[], rightKeys: readonly K[], key: (item: T) => K): T[] {
  const included = new Set(rightKeys);
  const seen = new Set<K>();
  const result: T[] = [];
  for (const item of left) {
    const k = key(item);
    if (!included.has(k) || seen.has(k)) continue;
    seen.add(k);
    result.push(item);
  }
  return result;
}

/** A string as .NET holds it after deserialization (`null` when absent). */
export function str(value: string | null | undefined): string | null {
  return value ?? null;
}

/** `JsonSerializer.Deserialize<List<string>>` of a multi-value condition; unreadable values give null. */
export function parseValueList(value: string | null | undefined): string[] | null {
  try {
    const parsed: unknown = JSON.parse(value ?? '');
    return Array.isArray(parsed) ? parsed.map(String) : null;
  } catch {
    return null;
  }
}

/** `Condition.ValueEquals`: same id, property, op and value. */
export function conditionEquals(a: LooseCondition, b: LooseCondition): boolean {
  return (
    str(a.id) === str(b.id) &&
    str(a.property) === str(b.property) &&
    str(a.op) === str(b.op) &&
    str(a.value) === str(b.value)
  );
}

/** The properties that mark a segment condition (`SegmentConsts.ConditionProperties`). */
export const SEGMENT_CONDITION_PROPERTIES: readonly string[] = ['User is in segment', 'User is not in segment'];

/** Multi-value operators whose value edits FeatBit reports as added/removed values. */
export const MULTI_VALUE_OPERATORS: readonly string[] = ['IsOneOf', 'NotOneOf'];
