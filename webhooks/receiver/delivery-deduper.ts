/**
 * Remembers FeatBit delivery ids (`X-FeatBit-Delivery`, the same id on every retry of one delivery) for a while, so
 * a delivery is queued once. Forgetting is harmless: the worker re-reads state and converging twice is a no-op.
 */
export interface DeliveryDeduper {
  /**
   * Records the id as being handled, for `PENDING_CLAIM_TTL_MS` only; true when it was not seen (the caller should
   * act on the delivery). A process that dies before `confirm` leaves a claim that expires before FeatBit's retry.
   */
  claim(deliveryId: string): Promise<boolean>;
  /** Remembers a claimed id for the full TTL, once its job is queued. */
  confirm(deliveryId: string): Promise<void>;
  /** Forgets a claimed id, used when queuing failed so FeatBit's retry of the same delivery is not ignored. */
  release(deliveryId: string): Promise<void>;
}

/** Default time a delivery id is remembered: FeatBit retries within seconds, replays happen later. */
export const DEFAULT_DELIVERY_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * How long a claim lasts before its job is queued: shorter than FeatBit's 2 s between attempts (WebhookSender:
 * 3 attempts, 2 s apart), so when a process dies between claiming a delivery and queuing its job, FeatBit's next
 * attempt of the same delivery is accepted instead of being ignored as a duplicate.
 */
export const PENDING_CLAIM_TTL_MS = 1_500;

/** An in-process deduper for the embedded (single-instance) mode, with expiry and a bounded size. */
export function createMemoryDeliveryDeduper(
  options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
): DeliveryDeduper {
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
      seen.set(deliveryId, at + Math.min(ttlMs, PENDING_CLAIM_TTL_MS));
      return true;
    },
    async confirm(deliveryId) {
      seen.delete(deliveryId);
      seen.set(deliveryId, now() + ttlMs);
    },
    async release(deliveryId) {
      seen.delete(deliveryId);
    },
  };
}
