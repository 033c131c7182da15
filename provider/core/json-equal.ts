/**
 * Whether two JSON values have the same content (object key order ignored, arrays in order). The gate's content
 * check on every evaluation: it allocates little, stops at the first difference, and costs about a microsecond for
 * a 10 KB prompt where canonical serialisation costs a hundred. Browser-safe.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let index = 0; index < a.length; index += 1) {
      const left: unknown = a[index];
      const right: unknown = b[index];
      if (left !== right && !jsonEqual(left, right)) return false;
    }
    return true;
  }
  if (Array.isArray(b)) return false;
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  if (keys.length !== Object.keys(right).length) return false;
  for (const key of keys) {
    const inner = right[key];
    if (inner === undefined && !Object.hasOwn(right, key)) return false;
    if (left[key] !== inner && !jsonEqual(left[key], inner)) return false;
  }
  return true;
}
