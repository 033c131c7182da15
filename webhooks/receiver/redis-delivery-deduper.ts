import type { Redis } from 'ioredis';
import { DEFAULT_DELIVERY_TTL_MS, PENDING_CLAIM_TTL_MS, type DeliveryDeduper } from './delivery-deduper.js';

/**
 * A deduper shared by every gateway process on one Redis: a claim is `SET <prefix>delivery:<id> pending NX PX 1500`,
 * a confirmation `SET <prefix>delivery:<id> queued PX ttl`.
 */
export function createRedisDeliveryDeduper(redis: Redis, options: { prefix: string; ttlMs?: number }): DeliveryDeduper {
  const ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
  const keyOf = (deliveryId: string): string => `${options.prefix}delivery:${deliveryId}`;
  return {
    async claim(deliveryId) {
      return (
        (await redis.set(keyOf(deliveryId), 'pending', 'PX', Math.min(ttlMs, PENDING_CLAIM_TTL_MS), 'NX')) === 'OK'
      );
    },
    async confirm(deliveryId) {
      await redis.set(keyOf(deliveryId), 'queued', 'PX', ttlMs);
    },
    async release(deliveryId) {
      await redis.del(keyOf(deliveryId));
    },
  };
}
