/**
 * A memo of at most `capacity` entries that forgets the oldest entry first: for results that are a pure function of
 * their key within one manifest, where a key seen again is worth a lookup but a stream of new keys must not grow
 * memory. Browser-safe.
 */
export class BoundedMemo<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(readonly capacity: number) {}

  /** The remembered value of `key`, if any. */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** Remembers `value` for `key`, forgetting the oldest entry when the memo is full. */
  set(key: K, value: V): void {
    if (this.entries.size >= this.capacity && !this.entries.has(key))
      this.entries.delete(this.entries.keys().next().value as K);
    this.entries.set(key, value);
  }

  /** How many entries are remembered (never more than `capacity`). */
  get size(): number {
    return this.entries.size;
  }
}
