import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { NotFoundError } from '../../src/errors/index.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import {
  DEFAULT_JOB_CONCURRENCY,
  DEFAULT_JOB_RETRY_POLICY,
  type EnqueueOutcome,
  type FailedJob,
  type JobHandler,
  type JobQueue,
  type QueueCounts,
} from './job-queue.js';
import { retryDelayMs, type JobRetryPolicy } from '../../src/jobs/index.js';
import { jobKeyOf, type ReconcileJob } from './reconcile-job.js';
import { isPermanentFailure } from './permanent-failure.js';

/** Options of the in-process queue. */
export interface MemoryJobQueueOptions {
  readonly retry?: JobRetryPolicy;
  /** Jobs of different keys run in parallel up to this many. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

interface QueuedJob {
  readonly id: string;
  readonly key: string;
  job: ReconcileJob;
  attemptsMade: number;
}

/**
 * The embedded mode's queue: the same contract as the BullMQ queue, held in this process. Work queued here is lost
 * if the process dies; that is safe because the reconciler re-checks every governed flag at start (ARCHITECTURE.md
 * invariant 3), and the embedded mode is single-instance by definition.
 */
export function createMemoryJobQueue(options: MemoryJobQueueOptions = {}): JobQueue {
  const retry = options.retry ?? DEFAULT_JOB_RETRY_POLICY;
  const concurrency = options.concurrency ?? DEFAULT_JOB_CONCURRENCY;
  const logger = options.logger ?? silentLogger;
  const ready: QueuedJob[] = [];
  const waitingByKey = new Map<string, QueuedJob>();
  const activeByKey = new Map<string, QueuedJob>();
  const delayedByKey = new Map<string, { queued: QueuedJob; timer: NodeJS.Timeout }>();
  const nextByKey = new Map<string, ReconcileJob>();
  const failed = new Map<string, FailedJob>();
  const running = new Set<Promise<void>>();
  let handler: JobHandler | undefined;
  let closed = false;

  const push = (queued: QueuedJob): void => {
    waitingByKey.set(queued.key, queued);
    ready.push(queued);
    pump();
  };

  const pump = (): void => {
    if (!handler || closed) return;
    while (activeByKey.size < concurrency) {
      const index = ready.findIndex((queued) => !activeByKey.has(queued.key));
      if (index < 0) return;
      const [queued] = ready.splice(index, 1) as [QueuedJob];
      waitingByKey.delete(queued.key);
      activeByKey.set(queued.key, queued);
      const run = execute(queued, handler).finally(() => running.delete(run));
      running.add(run);
    }
  };

  const finalize = (queued: QueuedJob): void => {
    const next = nextByKey.get(queued.key);
    nextByKey.delete(queued.key);
    if (next && !closed) push({ id: randomUUID(), key: queued.key, job: next, attemptsMade: 0 });
  };

  const execute = async (queued: QueuedJob, run: JobHandler): Promise<void> => {
    queued.attemptsMade += 1;
    try {
      await run(queued.job, queued.attemptsMade);
      activeByKey.delete(queued.key);
      finalize(queued);
    } catch (error) {
      activeByKey.delete(queued.key);
      const reason = error instanceof Error ? error.message : String(error);
      if (queued.attemptsMade < retry.attempts && !closed && !isPermanentFailure(error)) {
        const delay = retryDelayMs(retry, queued.attemptsMade);
        logger.warn(
          { jobId: queued.id, key: queued.key, attempt: queued.attemptsMade, delay, err: reason },
          'job failed, retrying',
        );
        const timer = setTimeout(() => {
          delayedByKey.delete(queued.key);
          push(queued);
        }, delay);
        delayedByKey.set(queued.key, { queued, timer });
      } else {
        logger.error(
          { jobId: queued.id, key: queued.key, attempts: queued.attemptsMade, err: reason },
          'job failed for good',
        );
        failed.set(queued.id, {
          id: queued.id,
          key: queued.key,
          job: queued.job,
          attemptsMade: queued.attemptsMade,
          failedReason: reason,
          failedAt: new Date().toISOString(),
        });
        finalize(queued);
      }
    }
    pump();
  };

  const enqueue = async (job: ReconcileJob): Promise<EnqueueOutcome> => {
    const key = jobKeyOf(job);
    const waiting = waitingByKey.get(key);
    if (waiting) return { jobId: waiting.id, coalesced: true };
    const delayed = delayedByKey.get(key);
    if (delayed) {
      // A new trigger pre-empts the retry's backoff: the cause may be gone (FeatBit back), and the flag must be judged now.
      clearTimeout(delayed.timer);
      delayedByKey.delete(key);
      push(delayed.queued);
      return { jobId: delayed.queued.id, coalesced: true };
    }
    const active = activeByKey.get(key);
    if (active) {
      nextByKey.set(key, job);
      return { jobId: active.id, coalesced: true };
    }
    const queued: QueuedJob = { id: randomUUID(), key, job, attemptsMade: 0 };
    push(queued);
    return { jobId: queued.id, coalesced: false };
  };

  const counts = async (): Promise<QueueCounts> => ({
    waiting: ready.length,
    active: activeByKey.size,
    delayed: delayedByKey.size,
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
      const outcome = await enqueue({ ...entry.job, queuedAt: new Date().toISOString() });
      failed.delete(id);
      return outcome;
    },
    counts,
    async promoteDelayed() {
      const delayed = [...delayedByKey.values()];
      delayedByKey.clear();
      for (const { queued, timer } of delayed) {
        clearTimeout(timer);
        push(queued);
      }
      return delayed.length;
    },
    async whenIdle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      while (ready.length + activeByKey.size + delayedByKey.size + nextByKey.size > 0) {
        if (Date.now() > deadline) throw new Error('queue did not become idle in time');
        await sleep(5);
      }
    },
    async close() {
      closed = true;
      for (const { timer } of delayedByKey.values()) clearTimeout(timer);
      await Promise.allSettled([...running]);
    },
  };
}
