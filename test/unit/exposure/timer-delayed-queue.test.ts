import { describe, expect, it } from 'vitest';
import { createTimerDelayedQueue, DelayedJobKind, type DelayedJob } from '../../../src/exposure/index.js';

const job = (id: string, inMs: number): DelayedJob => ({ id, kind: DelayedJobKind.BreakGlassExpiry, subject: id, runAt: new Date(Date.now() + inMs).toISOString() });

describe('in-process delayed queue', () => {
  it('runs jobs in due order, at once when their time has passed, and keeps one job per id while it waits', async () => {
    const queue = createTimerDelayedQueue();
    const ran: string[] = [];
    await queue.start(async (due) => void ran.push(due.id));
    expect(await queue.schedule(job('later', 120))).toBe(true);
    expect(await queue.schedule(job('later', 10))).toBe(false);
    expect(await queue.schedule(job('past', -5000))).toBe(true);
    await expect.poll(() => ran, { timeout: 2000 }).toEqual(['past', 'later']);
    expect(await queue.pendingIds()).toEqual([]);
    expect(await queue.schedule(job('later', 0))).toBe(true);
    await expect.poll(() => ran.length, { timeout: 2000 }).toBe(3);
    await queue.close();
  });

  it('retries a failing job with backoff, then drops it', async () => {
    const queue = createTimerDelayedQueue();
    let attempts = 0;
    await queue.start(async () => {
      attempts += 1;
      throw new Error('FeatBit unavailable');
    });
    await queue.schedule(job('flaky', 0));
    await expect.poll(() => attempts, { timeout: 8000, interval: 50 }).toBe(4);
    await expect.poll(() => queue.pendingIds(), { timeout: 1000 }).toEqual([]);
    await queue.close();
  });
});
