import type { Redis } from 'ioredis';
import { DEFAULT_DELIVERY_TTL_MS, type DeliveryDeduper } from './delivery-deduper.js';

/** A deduper shared by every gateway process on one Redis: `SET <prefix>delivery:<id> 1 NX PX ttl`. */
export function createRedisDeliveryDeduper(redis: Redis, options: { prefix: string; ttlMs?: number }): DeliveryDeduper {
  const ttlMs = options.ttlMs ?? DEFAULT_DELIVERY_TTL_MS;
  const keyOf = (deliveryId: string): string => `${options.prefix}delivery:${deliveryId}`;
  return {
    async claim(deliveryId) {
      return (await redis.set(keyOf(deliveryId), '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
    async release(deliveryId) {
      await redis.del(keyOf(deliveryId));
    },
  };
}
