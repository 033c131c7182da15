import { describe, expect, it } from 'vitest';
import { createMemoryDeliveryDeduper, PENDING_CLAIM_TTL_MS } from '../../../webhooks/index.js';

describe('in-memory delivery deduper', () => {
  it('claims a delivery id once within its TTL and again after it expired', async () => {
    let now = 1_000;
    const deduper = createMemoryDeliveryDeduper({ ttlMs: 100, now: () => now });
    expect(await deduper.claim('d1')).toBe(true);
    await deduper.confirm('d1');
    expect(await deduper.claim('d1')).toBe(false);
    now += 101;
    expect(await deduper.claim('d1')).toBe(true);
  });

  it('lets a claim whose job was never queued (the process died in between) expire before FeatBit retries 2 s later', async () => {
    let now = 1_000;
    const deduper = createMemoryDeliveryDeduper({ now: () => now });
    expect(await deduper.claim('d1')).toBe(true);
    expect(await deduper.claim('d1')).toBe(false);
    now += PENDING_CLAIM_TTL_MS + 1;
    expect(PENDING_CLAIM_TTL_MS).toBeLessThan(2_000);
    expect(await deduper.claim('d1')).toBe(true);
    await deduper.confirm('d1');
    now += 60 * 60 * 1000;
    expect(await deduper.claim('d1')).toBe(false);
  });

  it('forgets a released id so a retried delivery is accepted', async () => {
    const deduper = createMemoryDeliveryDeduper();
    expect(await deduper.claim('d1')).toBe(true);
    await deduper.release('d1');
    expect(await deduper.claim('d1')).toBe(true);
  });

  it('keeps at most maxEntries ids, forgetting the oldest first', async () => {
    const deduper = createMemoryDeliveryDeduper({ maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) {
      expect(await deduper.claim(id)).toBe(true);
      await deduper.confirm(id);
    }
    expect(await deduper.claim('c')).toBe(false);
    expect(await deduper.claim('a')).toBe(true);
  });
});
