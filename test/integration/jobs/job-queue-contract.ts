import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import {
  ExhaustedJobs,
  RepeatTrigger,
  retryDelayMs,
  type JobQueue,
  type JobQueueOptions,
  type PermanentFailure,
} from '../../../src/jobs/index.js';
import { NotFoundError } from '../../../src/errors/index.js';
import { contractJob, contractOptions, FAST_RETRY, type ContractJob } from './contract-job.js';

/** Makes a fresh, empty queue with the given options. */
export type JobQueueFactory = (options: JobQueueOptions<ContractJob>) => JobQueue<ContractJob>;

/** Resolves once `predicate` holds, polling; fails the test after `timeoutMs`. */
export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await sleep(10);
  }
}

/** A promise the test resolves when it wants a blocked handler to go on. */
function gate(): { promise: Promise<void>; open: () => void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => (open = resolve));
  return { promise, open };
}

/** An error that says retrying cannot help. */
class RefusedError extends Error implements PermanentFailure {
  readonly permanent = true as const;
}

const idle = { waiting: 0, active: 0, delayed: 0, failed: 0 };
/** Node may fire a timer up to a millisecond before `Date.now()` says its delay passed (clock granularity). */
const CLOCK_SLACK_MS = 2;
const LONG_RETRY = { attempts: 5, baseDelayMs: 600_000, maxDelayMs: 600_000 };

/** The one contract both job queue implementations keep; run once per implementation. */
export function describeJobQueueContract(name: string, factory: JobQueueFactory): void {
  describe(`${name} job queue contract`, () => {
    const opened: JobQueue<ContractJob>[] = [];
    const open = (repeat: RepeatTrigger, exhausted = ExhaustedJobs.Keep, retry = FAST_RETRY): JobQueue<ContractJob> => {
      const queue = factory(contractOptions(repeat, exhausted, retry));
      opened.push(queue);
      return queue;
    };
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((queue) => queue.close()));
    });

    it('runs a queued job with its data, and refuses a job its schema rejects', async () => {
      const queue = open(RepeatTrigger.RunAgain);
      const seen: ContractJob[] = [];
      await queue.enqueue(contractJob('a', 'first'));
      await expect(queue.enqueue({ key: '', note: 'x' })).rejects.toThrow();
      await queue.start(async (job) => void seen.push(job));
      await queue.whenIdle();
      expect(seen).toEqual([{ key: 'a', note: 'first' }]);
    });

    describe('keyed coalescing (RunAgain)', () => {
      it('folds triggers for a key whose job waits into that job', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        const first = await queue.enqueue(contractJob('a', '1'));
        expect(await queue.enqueue(contractJob('a', '2'))).toEqual({ jobId: first.jobId, coalesced: true });
        expect((await queue.enqueue(contractJob('b'))).coalesced).toBe(false);
        const runs: string[] = [];
        await queue.start(async (job) => void runs.push(job.key));
        await queue.whenIdle();
        expect(runs.sort()).toEqual(['a', 'b']);
      });

      it('never runs one key twice at once; triggers during a run cause exactly one more run, with the latest data', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        const blocked = gate();
        let running = 0;
        let maxRunning = 0;
        const notes: string[] = [];
        await queue.start(async (job) => {
          running += 1;
          maxRunning = Math.max(maxRunning, running);
          notes.push(job.note);
          if (notes.length === 1) await blocked.promise;
          running -= 1;
        });
        await queue.enqueue(contractJob('a', 'first'));
        await eventually(() => notes.length === 1);
        for (const note of ['2', '3', 'last'])
          expect((await queue.enqueue(contractJob('a', note))).coalesced).toBe(true);
        blocked.open();
        await eventually(() => notes.length === 2);
        await queue.whenIdle();
        expect(await queue.counts()).toEqual(idle);
        expect(notes).toEqual(['first', 'last']);
        expect(maxRunning).toBe(1);
      });

      it('runs different keys in parallel', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        const blocked = gate();
        let running = 0;
        await queue.start(async () => {
          running += 1;
          await blocked.promise;
        });
        await Promise.all(['a', 'b', 'c'].map((key) => queue.enqueue(contractJob(key))));
        await eventually(() => running === 3);
        blocked.open();
        await queue.whenIdle();
      });

      it('runs a job waiting out a retry backoff at once when a new trigger for its key arrives', async () => {
        const queue = open(RepeatTrigger.RunAgain, ExhaustedJobs.Keep, LONG_RETRY);
        let calls = 0;
        await queue.start(async () => {
          calls += 1;
          if (calls === 1) throw new Error('unreachable');
        });
        const first = await queue.enqueue(contractJob('a'));
        await eventually(async () => (await queue.counts()).delayed === 1);
        expect(await queue.enqueue(contractJob('a'))).toEqual({ jobId: first.jobId, coalesced: true });
        await eventually(() => calls === 2);
        await queue.whenIdle();
        expect(await queue.counts()).toEqual(idle);
      });
    });

    describe('idempotent scheduling (Ignore)', () => {
      it('keeps one job per key while it waits for its due time or runs, and takes the key again once it finished', async () => {
        const queue = open(RepeatTrigger.Ignore, ExhaustedJobs.Drop);
        const blocked = gate();
        const notes: string[] = [];
        const first = await queue.enqueue(contractJob('a', 'first'), { runAt: Date.now() + 200 });
        expect(await queue.enqueue(contractJob('a', 'again'), { runAt: Date.now() })).toEqual({
          jobId: first.jobId,
          coalesced: true,
        });
        expect(await queue.counts()).toMatchObject({ delayed: 1, waiting: 0 });
        await queue.start(async (job) => {
          notes.push(job.note);
          if (notes.length === 1) await blocked.promise;
        });
        await eventually(() => notes.length === 1);
        expect((await queue.enqueue(contractJob('a', 'during'))).coalesced).toBe(true);
        blocked.open();
        await queue.whenIdle();
        expect(await queue.counts()).toEqual(idle);
        expect(notes).toEqual(['first']);
        expect((await queue.enqueue(contractJob('a', 'next'))).coalesced).toBe(false);
        await eventually(() => notes.length === 2);
        expect(notes).toEqual(['first', 'next']);
      });

      it('leaves a job waiting out a retry backoff alone when the same job is scheduled again', async () => {
        const queue = open(RepeatTrigger.Ignore, ExhaustedJobs.Drop, LONG_RETRY);
        let calls = 0;
        await queue.start(async () => {
          calls += 1;
          throw new Error('unavailable');
        });
        const first = await queue.enqueue(contractJob('a'));
        await eventually(async () => (await queue.counts()).delayed === 1);
        expect(await queue.enqueue(contractJob('a'))).toEqual({ jobId: first.jobId, coalesced: true });
        expect(await queue.counts()).toMatchObject({ delayed: 1, waiting: 0, active: 0 });
        expect(calls).toBe(1);
      });
    });

    describe('due time', () => {
      it('runs a job at or after its due time, and one whose time has passed at once, in due order', async () => {
        const queue = open(RepeatTrigger.Ignore, ExhaustedJobs.Drop);
        const ran: { key: string; at: number }[] = [];
        await queue.start(async (job) => void ran.push({ key: job.key, at: Date.now() }));
        const laterAt = Date.now() + 300;
        await queue.enqueue(contractJob('later'), { runAt: laterAt });
        await queue.enqueue(contractJob('past'), { runAt: Date.now() - 5000 });
        await eventually(() => ran.length === 2);
        expect(ran.map((run) => run.key)).toEqual(['past', 'later']);
        expect(ran[1]!.at).toBeGreaterThanOrEqual(laterAt - CLOCK_SLACK_MS);
      });

      it('does not run jobs waiting for their due time early when retries are promoted', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        let calls = 0;
        await queue.start(async () => void (calls += 1));
        await queue.enqueue(contractJob('a'), { runAt: Date.now() + 60_000 });
        expect(await queue.promoteDelayed()).toBe(0);
        expect(await queue.counts()).toMatchObject({ delayed: 1, waiting: 0, active: 0 });
        expect(calls).toBe(0);
      });
    });

    describe('retries', () => {
      it('retries a failing job with the policy’s backoff until it succeeds', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        const attempts: { attempt: number; at: number }[] = [];
        await queue.start(async (_job, attempt) => {
          attempts.push({ attempt, at: Date.now() });
          if (attempt < 3) throw new Error('unavailable');
        });
        await queue.enqueue(contractJob('a'));
        await eventually(() => attempts.length === 3);
        await queue.whenIdle();
        expect(attempts.map((entry) => entry.attempt)).toEqual([1, 2, 3]);
        for (const made of [1, 2])
          expect(attempts[made]!.at - attempts[made - 1]!.at).toBeGreaterThanOrEqual(
            retryDelayMs(FAST_RETRY, made) - CLOCK_SLACK_MS,
          );
        expect(await queue.counts()).toEqual(idle);
      });

      it('runs every job waiting out a retry backoff at once when told the cause is gone', async () => {
        const queue = open(RepeatTrigger.RunAgain, ExhaustedJobs.Keep, LONG_RETRY);
        const runs = new Map<string, number>();
        await queue.start(async (job) => {
          runs.set(job.key, (runs.get(job.key) ?? 0) + 1);
          if (runs.get(job.key) === 1) throw new Error('unavailable');
        });
        for (const key of ['a', 'b', 'c']) await queue.enqueue(contractJob(key));
        await eventually(async () => (await queue.counts()).delayed === 3);
        expect(await queue.promoteDelayed()).toBe(3);
        await eventually(() => runs.size === 3 && [...runs.values()].every((count) => count === 2));
        await queue.whenIdle();
        expect(await queue.promoteDelayed()).toBe(0);
        expect(await queue.counts()).toEqual(idle);
      });
    });

    describe('exhausted and permanently failed jobs', () => {
      it('keeps a job that exhausted its attempts in the failed set, counted, listed and retriable (renewed)', async () => {
        const queue = open(RepeatTrigger.RunAgain, ExhaustedJobs.Keep, {
          attempts: 2,
          baseDelayMs: 10,
          maxDelayMs: 10,
        });
        let healthy = false;
        const succeeded: ContractJob[] = [];
        await queue.start(async (job) => {
          if (!healthy) throw new Error('answered 503');
          succeeded.push(job);
        });
        await queue.enqueue(contractJob('a', 'kept'));
        await eventually(async () => (await queue.counts()).failed === 1);
        const [failed] = await queue.listFailed();
        expect(failed).toMatchObject({ key: 'a', job: { key: 'a', note: 'kept' }, attemptsMade: 2 });
        expect(failed!.failedReason).toBe('answered 503');
        expect(Number.isNaN(Date.parse(failed!.failedAt))).toBe(false);
        healthy = true;
        await queue.retryFailed(failed!.id);
        await eventually(() => succeeded.length === 1);
        await queue.whenIdle();
        expect(succeeded).toEqual([{ key: 'a', note: 'kept+renewed' }]);
        expect(await queue.listFailed()).toEqual([]);
        expect(await queue.counts()).toEqual(idle);
      });

      it('still runs new triggers for a key whose earlier job failed for good', async () => {
        const queue = open(RepeatTrigger.RunAgain, ExhaustedJobs.Keep, {
          attempts: 1,
          baseDelayMs: 10,
          maxDelayMs: 10,
        });
        let calls = 0;
        await queue.start(async () => {
          calls += 1;
          if (calls === 1) throw new Error('boom');
        });
        await queue.enqueue(contractJob('a'));
        await eventually(async () => (await queue.counts()).failed === 1);
        expect((await queue.enqueue(contractJob('a'))).coalesced).toBe(false);
        await eventually(() => calls === 2);
        await queue.whenIdle();
        expect((await queue.counts()).failed).toBe(1);
      });

      it('fails a permanent failure at once, without retries, into the failed set', async () => {
        const queue = open(RepeatTrigger.RunAgain, ExhaustedJobs.Keep, LONG_RETRY);
        let calls = 0;
        await queue.start(async () => {
          calls += 1;
          throw new RefusedError('token lacks the permission');
        });
        await queue.enqueue(contractJob('a'));
        await eventually(async () => (await queue.counts()).failed === 1);
        expect(await queue.listFailed()).toMatchObject([{ key: 'a', attemptsMade: 1 }]);
        expect(calls).toBe(1);
        expect(await queue.counts()).toEqual({ ...idle, failed: 1 });
      });

      it('drops exhausted and permanently failed jobs when told to, freeing their keys at once', async () => {
        const queue = open(RepeatTrigger.Ignore, ExhaustedJobs.Drop, { attempts: 2, baseDelayMs: 10, maxDelayMs: 10 });
        const attempts: string[] = [];
        await queue.start(async (job, attempt) => {
          attempts.push(`${job.key}:${attempt}`);
          if (job.note !== 'fine') throw job.key === 'refused' ? new RefusedError('refused') : new Error('flaky');
        });
        await queue.enqueue(contractJob('flaky'));
        await queue.enqueue(contractJob('refused'));
        await eventually(() => attempts.length === 3);
        await queue.whenIdle();
        expect(attempts.sort()).toEqual(['flaky:1', 'flaky:2', 'refused:1']);
        expect(await queue.counts()).toEqual(idle);
        expect(await queue.listFailed()).toEqual([]);
        expect((await queue.enqueue(contractJob('flaky', 'fine'))).coalesced).toBe(false);
        await eventually(() => attempts.length === 4);
        await queue.whenIdle();
        expect(await queue.counts()).toEqual(idle);
      });

      it('says which failed job it cannot find', async () => {
        const queue = open(RepeatTrigger.RunAgain);
        await expect(queue.retryFailed('missing')).rejects.toThrow(NotFoundError);
        await expect(queue.retryFailed('missing')).rejects.toThrow(/missing/);
      });
    });
  });
}
