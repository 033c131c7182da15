import { describe, expect, it, vi } from 'vitest';
import { DelayedJobKind, EXPOSURE_JOB_RETRY_POLICY, type DelayedJob } from '../../../src/exposure/index.js';
import { createTimerDelayedQueue } from '../../../src/jobs/index.js';

const job = (id: string, inMs: number): DelayedJob => ({
  id,
  kind: DelayedJobKind.BreakGlassExpiry,
  subject: id,
  runAt: new Date(Date.now() + inMs).toISOString(),
});

describe('in-process delayed queue', () => {
  it('runs jobs in due order, at once when their time has passed, and keeps one job per id while it waits', async () => {
    const queue = createTimerDelayedQueue<DelayedJob>({ retry: EXPOSURE_JOB_RETRY_POLICY });
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
    const queue = createTimerDelayedQueue<DelayedJob>({ retry: EXPOSURE_JOB_RETRY_POLICY });
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

describe('in-process delayed queue retries', () => {
  it('follows the retry policy it is given: its attempts, and delays doubling up to the cap', async () => {
    vi.useFakeTimers();
    try {
      const queue = createTimerDelayedQueue<DelayedJob>({
        retry: { attempts: 4, baseDelayMs: 1000, maxDelayMs: 1500 },
      });
      const attemptsAt: number[] = [];
      await queue.start(async () => {
        attemptsAt.push(Date.now());
        throw new Error('FeatBit unavailable');
      });
      await queue.schedule(job('capped', 0));
      await vi.advanceTimersByTimeAsync(10_000);
      expect(attemptsAt.slice(1).map((at, index) => at - attemptsAt[index]!)).toEqual([1000, 1500, 1500]);
      expect(await queue.pendingIds()).toEqual([]);
      await queue.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
