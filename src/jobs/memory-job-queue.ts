import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../errors/index.js';
import { silentLogger } from '../logging/index.js';
import {
  ExhaustedJobs,
  isMarkedPermanent,
  RepeatTrigger,
  type EnqueueOptions,
  type EnqueueOutcome,
  type FailedJob,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type QueueCounts,
} from './job-queue.js';
import { retryDelayMs } from './job-retry-policy.js';

/** Longest delay one Node timer can wait (about 24.8 days); longer delays are chained. */
const MAX_TIMER_MS = 2_147_483_647;

interface QueuedJob<J> {
  readonly id: string;
  readonly key: string;
  readonly job: J;
  attemptsMade: number;
  /** Set while the job waits for its due time or a retry backoff. */
  timer?: NodeJS.Timeout | undefined;
}

/**
 * The in-process queue: the same contract as the BullMQ queue, held in this process. Work queued here is lost if
 * the process dies; its users make that safe (the reconciler re-checks every governed flag at start, ARCHITECTURE.md
 * invariant 3; exposure re-derives its due jobs from the ledger at start), and the mode is single-instance.
 */
export function createMemoryJobQueue<J>(options: JobQueueOptions<J>): JobQueue<J> {
  const { keyOf, retry } = options;
  const concurrency = options.concurrency ?? 1;
  const isPermanent = options.isPermanent ?? isMarkedPermanent;
  const keepFailed = options.exhausted === ExhaustedJobs.Keep;
  const logger = options.logger ?? silentLogger;
  const ready: QueuedJob<J>[] = [];
  /** The key's job that waits: ready, or delayed (`timer` set). */
  const pendingByKey = new Map<string, QueuedJob<J>>();
  const activeByKey = new Map<string, QueuedJob<J>>();
  /** The trigger that arrived while the key's job ran (`RepeatTrigger.RunAgain`). */
  const nextByKey = new Map<string, { job: J; options: EnqueueOptions }>();
  const failed = new Map<string, FailedJob<J>>();
  const running = new Set<Promise<void>>();
  let handler: JobHandler<J> | undefined;
  let closed = false;

  const delayedCount = (): number => [...pendingByKey.values()].filter((queued) => queued.timer).length;

  const makeReady = (queued: QueuedJob<J>): void => {
    clearTimeout(queued.timer);
    queued.timer = undefined;
    pendingByKey.set(queued.key, queued);
    ready.push(queued);
    pump();
  };

  const delay = (queued: QueuedJob<J>, atMs: number): void => {
    if (closed) return;
    pendingByKey.set(queued.key, queued);
    const wait = Math.max(0, atMs - Date.now());
    queued.timer = setTimeout(
      () => (wait > MAX_TIMER_MS ? delay(queued, atMs) : makeReady(queued)),
      Math.min(wait, MAX_TIMER_MS),
    );
    queued.timer.unref();
  };

  const place = (queued: QueuedJob<J>, { runAt }: EnqueueOptions): void => {
    if (runAt !== undefined && runAt > Date.now()) delay(queued, runAt);
    else makeReady(queued);
  };

  const pump = (): void => {
    if (!handler || closed) return;
    while (activeByKey.size < concurrency) {
      const index = ready.findIndex((queued) => !activeByKey.has(queued.key));
      if (index < 0) return;
      const [queued] = ready.splice(index, 1) as [QueuedJob<J>];
      pendingByKey.delete(queued.key);
      activeByKey.set(queued.key, queued);
      const run = execute(queued, handler).finally(() => running.delete(run));
      running.add(run);
    }
  };

  const finalize = (queued: QueuedJob<J>): void => {
    activeByKey.delete(queued.key);
    const next = nextByKey.get(queued.key);
    nextByKey.delete(queued.key);
    if (next && !closed) place({ id: randomUUID(), key: queued.key, job: next.job, attemptsMade: 0 }, next.options);
  };

  const fail = (queued: QueuedJob<J>, reason: string): void => {
    logger.error(
      { jobId: queued.id, key: queued.key, attempts: queued.attemptsMade, err: reason },
      'job failed for good',
    );
    if (keepFailed)
      failed.set(queued.id, {
        id: queued.id,
        key: queued.key,
        job: queued.job,
        attemptsMade: queued.attemptsMade,
        failedReason: reason,
        failedAt: new Date().toISOString(),
      });
    finalize(queued);
  };

  const execute = async (queued: QueuedJob<J>, run: JobHandler<J>): Promise<void> => {
    queued.attemptsMade += 1;
    try {
      await run(queued.job, queued.attemptsMade);
      finalize(queued);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      if (queued.attemptsMade < retry.attempts && !closed && !isPermanent(error)) {
        const wait = retryDelayMs(retry, queued.attemptsMade);
        logger.warn(
          { jobId: queued.id, key: queued.key, attempt: queued.attemptsMade, delay: wait, err: reason },
          'job failed, retrying',
        );
        activeByKey.delete(queued.key);
        delay(queued, Date.now() + wait);
      } else fail(queued, reason);
    }
    pump();
  };

  const enqueue = async (job: J, enqueueOptions: EnqueueOptions = {}): Promise<EnqueueOutcome> => {
    const parsed = options.parse(job);
    const key = keyOf(parsed);
    const pending = pendingByKey.get(key);
    if (pending) {
      // A new trigger pre-empts a retry's backoff: the cause may be gone (FeatBit back), the job must be judged now.
      if (options.repeat === RepeatTrigger.RunAgain && pending.timer && pending.attemptsMade > 0) makeReady(pending);
      return { jobId: pending.id, coalesced: true };
    }
    const active = activeByKey.get(key);
    if (active) {
      if (options.repeat === RepeatTrigger.RunAgain) nextByKey.set(key, { job: parsed, options: enqueueOptions });
      return { jobId: active.id, coalesced: true };
    }
    const queued: QueuedJob<J> = { id: randomUUID(), key, job: parsed, attemptsMade: 0 };
    if (!closed) place(queued, enqueueOptions);
    return { jobId: queued.id, coalesced: false };
  };

  const counts = async (): Promise<QueueCounts> => ({
    waiting: ready.length,
    active: activeByKey.size,
    delayed: delayedCount(),
    failed: failed.size,
  });

  return {
    enqueue,
    async start(run) {
      if (handler) throw new Error('the queue already has a handler');
      handler = run;
      pump();
    },
    async listFailed(limit = 100) {
      return [...failed.values()].reverse().slice(0, limit);
    },
    async retryFailed(id) {
      const entry = failed.get(id);
      if (!entry) throw new NotFoundError(`no failed job ${id}`);
      const outcome = await enqueue(options.renew ? options.renew(entry.job) : entry.job);
      failed.delete(id);
      return outcome;
    },
    counts,
    async promoteDelayed() {
      const retries = [...pendingByKey.values()].filter((queued) => queued.timer && queued.attemptsMade > 0);
      for (const queued of retries) makeReady(queued);
      return retries.length;
    },
    async whenIdle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (pendingByKey.size + activeByKey.size + nextByKey.size > 0) {
        if (Date.now() > deadline) throw new Error('queue did not become idle in time');
        await sleep(5);
      }
    },
    async close() {
      closed = true;
      for (const queued of pendingByKey.values()) clearTimeout(queued.timer);
      await Promise.allSettled([...running]);
    },
  };
}
