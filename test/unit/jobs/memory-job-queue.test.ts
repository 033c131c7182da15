import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createMemoryJobQueue, ExhaustedJobs, RepeatTrigger } from '../../../src/jobs/index.js';
import { contractJob, contractOptions } from '../../integration/jobs/contract-job.js';

describe('in-process job queue timing', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('follows the retry policy it is given: its attempts, and delays doubling up to the cap', async () => {
    const queue = createMemoryJobQueue(
      contractOptions(RepeatTrigger.Ignore, ExhaustedJobs.Drop, { attempts: 4, baseDelayMs: 1000, maxDelayMs: 1500 }),
    );
    const attemptsAt: number[] = [];
    await queue.start(async () => {
      attemptsAt.push(Date.now());
      throw new Error('FeatBit unavailable');
    });
    await queue.enqueue(contractJob('capped'));
    await vi.advanceTimersByTimeAsync(10_000);
    expect(attemptsAt.slice(1).map((at, index) => at - attemptsAt[index]!)).toEqual([1000, 1500, 1500]);
    expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    await queue.close();
  });

  it('runs a job due further ahead than one timer can wait at its due time, not before', async () => {
    const queue = createMemoryJobQueue(contractOptions(RepeatTrigger.Ignore, ExhaustedJobs.Drop));
    const ranAt: number[] = [];
    await queue.start(async () => void ranAt.push(Date.now()));
    const dueAt = Date.now() + 30 * 24 * 3600 * 1000;
    await queue.enqueue(contractJob('month'), { runAt: dueAt });
    await vi.advanceTimersByTimeAsync(29 * 24 * 3600 * 1000);
    expect(ranAt).toEqual([]);
    await vi.advanceTimersByTimeAsync(2 * 24 * 3600 * 1000);
    expect(ranAt).toEqual([dueAt]);
    await queue.close();
  });
});
