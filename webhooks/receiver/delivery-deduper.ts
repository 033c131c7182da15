/**
 * Remembers FeatBit delivery ids (`X-FeatBit-Delivery`, the same id on every retry of one delivery) for a while, so
 * a delivery is queued once. Forgetting is harmless: the worker re-reads state and converging twice is a no-op.
 */
export interface DeliveryDeduper {
  /** Records the id; true when it was not seen within the TTL (the caller should act on the delivery). */
  claim(deliveryId: string): Promise<boolean>;
  /** Forgets a claimed id, used when queuing failed so FeatBit's retry of the same delivery is not ignored. */
  release(deliveryId: string): Promise<void>;
}

/** Default time a delivery id is remembered: FeatBit retries within seconds, replays happen later. */
export const DEFAULT_DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;

/** An in-process deduper for the embedded (single-instance) mode, with expiry and a bounded size. */
export function createMemoryDeliveryDeduper(options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {}): DeliveryDeduper {
  const ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
  const maxEntries = options.maxEntries ?? 100_000;
  const now = options.now ?? Date.now;
  const seen = new Map<string, number>();
  const evictExpired = (at: number): void => {
    for (const [id, expiresAt] of seen) {
      if (expiresAt > at && seen.size <= maxEntries) break;
      seen.delete(id);
    }
  };
  return {
    async claim(deliveryId) {
      const at = now();
      evictExpired(at);
      const expiresAt = seen.get(deliveryId);
      if (expiresAt !== undefined && expiresAt > at) return false;
      seen.delete(deliveryId);
      seen.set(deliveryId, at + ttlMs);
      return true;
    },
    async release(deliveryId) {
      seen.delete(deliveryId);
    },
  };
}
