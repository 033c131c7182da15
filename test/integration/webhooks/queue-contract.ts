import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  flagJob,
  JobTargetKind,
  TriggerSource,
  type ReconcileQueue,
  type ReconcileJob,
} from '../../../webhooks/index.js';
import type { JobRetryPolicy } from '../../../src/jobs/index.js';
import { eventually } from '../jobs/job-queue-contract.js';

export { eventually };

/** Makes a fresh, empty queue with the given retry policy. */
export type QueueFactory = (retry: JobRetryPolicy) => ReconcileQueue;

const fastRetry: JobRetryPolicy = { attempts: 3, baseDelayMs: 20, maxDelayMs: 50 };

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

/** The reconcile queue (the generic queue, `test/integration/jobs`, keyed per flag) on one implementation. */
export function describeQueueContract(name: string, factory: QueueFactory): void {
  describe(`${name} job queue contract`, () => {
    const opened: ReconcileQueue[] = [];
    const open = (retry = fastRetry): ReconcileQueue => {
      const queue = factory(retry);
      opened.push(queue);
      return queue;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    it('runs a queued job with its data', async () => {
      const queue = open();
      const seen: ReconcileJob[] = [];
      await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook, { operator: 'alice', deliveryId: 'd1' }));
      await queue.start(async (job) => void seen.push(job));
      await eventually(() => seen.length === 1);
      expect(seen[0]).toMatchObject({
        envId: 'env-1',
        target: { kind: 'flag', flagKey: 'prompt' },
        operator: 'alice',
        deliveryId: 'd1',
      });
    });

    it('coalesces triggers for a flag whose job is still waiting into one run', async () => {
      const queue = open();
      const first = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      const second = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      const third = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Reconciler));
      const other = await queue.enqueue(flagJob('env-1', 'route', TriggerSource.Webhook));
      expect(first.coalesced).toBe(false);
      expect(second).toEqual({ jobId: first.jobId, coalesced: true });
      expect(third).toEqual({ jobId: first.jobId, coalesced: true });
      expect(other.coalesced).toBe(false);
      const runs: string[] = [];
      await queue.start(async (job) => void runs.push(job.target.kind === 'flag' ? job.target.flagKey : ''));
      await queue.whenIdle();
      expect(runs.sort()).toEqual(['prompt', 'route']);
    });

    it('never runs one flag twice at once, and a trigger during a run causes exactly one more run', async () => {
      const queue = open();
      const gate = deferred();
      let running = 0;
      let maxRunning = 0;
      let runs = 0;
      await queue.start(async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        runs += 1;
        if (runs === 1) await gate.promise;
        await sleep(5);
        running -= 1;
      });
      await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      await eventually(() => runs === 1);
      for (let i = 0; i < 5; i += 1) {
        expect((await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook))).coalesced).toBe(true);
      }
      gate.resolve();
      await eventually(() => runs === 2);
      await queue.whenIdle();
      await sleep(50);
      expect(runs).toBe(2);
      expect(maxRunning).toBe(1);
    });

    it('runs different flags in parallel', async () => {
      const queue = open();
      let running = 0;
      let maxRunning = 0;
      await queue.start(async () => {
        running += 1;
        maxRunning = Math.max(maxRunning, running);
        await sleep(50);
        running -= 1;
      });
      await Promise.all(['a', 'b', 'c'].map((key) => queue.enqueue(flagJob('env-1', key, TriggerSource.Webhook))));
      await queue.whenIdle();
      expect(maxRunning).toBeGreaterThan(1);
    });

    it('retries a failing job with backoff until it succeeds', async () => {
      const queue = open();
      const attempts: number[] = [];
      await queue.start(async (_job, attempt) => {
        attempts.push(attempt);
        if (attempt < 3) throw new Error('FeatBit unreachable');
      });
      await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      await eventually(() => attempts.length === 3);
      await queue.whenIdle();
      expect(attempts).toEqual([1, 2, 3]);
      expect((await queue.counts()).failed).toBe(0);
    });

    it('keeps a job that exhausted its attempts in the failed set, counted and retriable', async () => {
      const queue = open({ attempts: 2, baseDelayMs: 10, maxDelayMs: 10 });
      let healthy = false;
      let succeeded = 0;
      await queue.start(async () => {
        if (!healthy) throw new Error('FeatBit answered 503');
        succeeded += 1;
      });
      await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook, { operator: 'alice' }));
      await eventually(async () => (await queue.counts()).failed === 1);
      const [failed] = await queue.listFailed();
      expect(failed).toMatchObject({ key: 'env-1:flag:prompt', attemptsMade: 2, failedReason: 'FeatBit answered 503' });
      expect(failed!.job).toMatchObject({ operator: 'alice' });
      healthy = true;
      await queue.retryFailed(failed!.id);
      await eventually(() => succeeded === 1);
      await queue.whenIdle();
      expect(await queue.listFailed()).toEqual([]);
      expect((await queue.counts()).failed).toBe(0);
    });

    it('still runs new triggers for a flag whose earlier job failed for good', async () => {
      const queue = open({ attempts: 1, baseDelayMs: 10, maxDelayMs: 10 });
      let calls = 0;
      await queue.start(async () => {
        calls += 1;
        if (calls === 1) throw new Error('boom');
      });
      await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      await eventually(async () => (await queue.counts()).failed === 1);
      const outcome = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      expect(outcome.coalesced).toBe(false);
      await eventually(() => calls === 2);
      expect((await queue.counts()).failed).toBe(1);
    });

    it('coalesces a trigger into a job that waits for its retry', async () => {
      const queue = open({ attempts: 3, baseDelayMs: 200, maxDelayMs: 200 });
      let calls = 0;
      await queue.start(async () => {
        calls += 1;
        if (calls === 1) throw new Error('transient');
      });
      const first = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      await eventually(async () => (await queue.counts()).delayed === 1);
      expect(await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook))).toEqual({
        jobId: first.jobId,
        coalesced: true,
      });
      await queue.whenIdle();
      expect(calls).toBe(2);
    });

    it('runs a job that waits out a long retry backoff at once when a new trigger for its flag arrives', async () => {
      const queue = open({ attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 });
      let calls = 0;
      await queue.start(async () => {
        calls += 1;
        if (calls === 1) throw new Error('FeatBit unreachable');
      });
      const first = await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Webhook));
      await eventually(async () => (await queue.counts()).delayed === 1);
      expect(await queue.enqueue(flagJob('env-1', 'prompt', TriggerSource.Reconciler))).toEqual({
        jobId: first.jobId,
        coalesced: true,
      });
      await eventually(() => calls === 2);
      await queue.whenIdle();
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    });

    it('runs every job waiting out a retry backoff at once when told FeatBit answers again, and only those', async () => {
      const queue = open({ attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 });
      const runs = new Map<string, number>();
      await queue.start(async (job) => {
        const key = job.target.kind === JobTargetKind.Flag ? job.target.flagKey : job.target.segmentId;
        runs.set(key, (runs.get(key) ?? 0) + 1);
        if (runs.get(key) === 1) throw new Error('FeatBit unreachable');
      });
      for (const flag of ['a', 'b', 'c']) await queue.enqueue(flagJob('env-1', flag, TriggerSource.Webhook));
      await eventually(async () => (await queue.counts()).delayed === 3);
      expect(await queue.promoteDelayed()).toBe(3);
      await eventually(() => [...runs.values()].every((count) => count === 2) && runs.size === 3);
      await queue.whenIdle();
      expect(await queue.promoteDelayed()).toBe(0);
      expect(await queue.counts()).toEqual({ waiting: 0, active: 0, delayed: 0, failed: 0 });
    });

    it('says which failed job it cannot find', async () => {
      const queue = open();
      await expect(queue.retryFailed('missing')).rejects.toThrow(/missing/);
    });
  });
}
