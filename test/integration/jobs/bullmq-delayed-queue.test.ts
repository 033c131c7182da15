import { describe, expect, it } from 'vitest';
import { createExposureJobQueue, DelayedJobKind, type DelayedJob } from '../../../src/exposure/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const job = (id: string, inMs: number): DelayedJob => ({
  id,
  kind: DelayedJobKind.AutoAdvance,
  subject: 'change-a',
  fromStageIndex: 0,
  runAt: new Date(Date.now() + inMs).toISOString(),
});

describe('BullMQ delayed queue on Redis', () => {
  it('keeps one waiting job per id across producers and runs it once when due, on one worker', async () => {
    const prefix = uniquePrefix('exposure-delayed');
    const redisUrl = testRedisUrl();
    const producer = createExposureJobQueue({ redisUrl, prefix });
    const worker = createExposureJobQueue({ redisUrl, prefix });
    const ran: DelayedJob[] = [];
    try {
      expect(await producer.schedule(job('advance.change-a.0', 400))).toBe(true);
      expect(await worker.schedule(job('advance.change-a.0', 50))).toBe(false);
      expect(await producer.pendingIds()).toEqual(['advance.change-a.0']);
      await worker.start(async (due) => void ran.push(due));
      await expect.poll(() => ran.length, { timeout: 5000, interval: 50 }).toBe(1);
      expect(ran[0]).toMatchObject({
        id: 'advance.change-a.0',
        kind: 'auto-advance',
        subject: 'change-a',
        fromStageIndex: 0,
      });
      await expect.poll(() => producer.pendingIds(), { timeout: 2000 }).toEqual([]);
      expect(await producer.schedule(job('advance.change-a.0', 0))).toBe(true);
      await expect.poll(() => ran.length, { timeout: 5000, interval: 50 }).toBe(2);
    } finally {
      await worker.close();
      await producer.close();
    }
  });
});
