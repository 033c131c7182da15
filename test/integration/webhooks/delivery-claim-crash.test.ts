import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedisDeliveryDeduper, PENDING_CLAIM_TTL_MS } from '../../../webhooks/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const redis = new Redis(testRedisUrl());

afterAll(async () => {
  await redis.quit();
});

describe('the Redis delivery claim across a crash between claiming and queuing', () => {
  it("accepts FeatBit's retry of a delivery whose claimer died before queuing it, and ignores replays of a queued one", async () => {
    const prefix = uniquePrefix('delivery-crash');
    const dying = createRedisDeliveryDeduper(redis, { prefix });
    const survivor = createRedisDeliveryDeduper(redis, { prefix });
    expect(await dying.claim('delivery-1')).toBe(true);
    // The claiming process is killed here: no confirm, no release. A concurrent duplicate is still held off...
    expect(await survivor.claim('delivery-1')).toBe(false);
    // ...but FeatBit's next attempt, 2 s later, finds the claim gone and is queued.
    await new Promise((resolve) => setTimeout(resolve, PENDING_CLAIM_TTL_MS + 100));
    expect(await survivor.claim('delivery-1')).toBe(true);
    await survivor.confirm('delivery-1');
    expect(await redis.pttl(`${prefix}delivery:delivery-1`)).toBeGreaterThan(60 * 60 * 1000);
    expect(await survivor.claim('delivery-1')).toBe(false);
  });
});
