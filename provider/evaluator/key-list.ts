const keySets = new WeakMap<readonly string[], { readonly length: number; readonly set: ReadonlySet<string> }>();
const SET_THRESHOLD = 8;

/**
 * Whether a key is in a key list (target users, segment included/excluded). Long lists get a cached Set keyed by
 * the array, so lists are treated as values: replace them rather than mutating them in place.
 */
export function isKeyListed(keys: readonly string[], key: string): boolean {
  if (keys.length < SET_THRESHOLD) return keys.includes(key);
  let cached = keySets.get(keys);
  if (cached === undefined || cached.length !== keys.length) {
    cached = { length: keys.length, set: new Set(keys) };
    keySets.set(keys, cached);
  }
  return cached.set.has(key);
}
