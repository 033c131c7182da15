import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { NotFoundError } from '../../src/errors/index.js';
import type { Logger } from '../../src/logging/index.js';
import { connectionErrorLog, silentLogger } from '../../src/logging/index.js';
import { BULLMQ_RUN_RETRY_DELAY_MS } from '../../src/redis/index.js';
import {
  DEFAULT_JOB_CONCURRENCY,
  DEFAULT_JOB_RETRY_POLICY,
  type EnqueueOutcome,
  type FailedJob,
  type JobHandler,
  type JobQueue,
  type QueueCounts,
} from './job-queue.js';
import { bullmqConnection, retryDelayMs, type JobRetryPolicy } from '../../src/jobs/index.js';
import { jobKeyOf, reconcileJobSchema, type ReconcileJob } from './reconcile-job.js';
import { isPermanentFailure } from './permanent-failure.js';

/** Options of the BullMQ queue; every Redis key lives under `prefix`. */
export interface BullmqJobQueueOptions {
  readonly redisUrl: string;
  /** Key prefix, e.g. `featgate:`; BullMQ's keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
  readonly queueName?: string;
  readonly retry?: JobRetryPolicy;
  /** Jobs of different keys a worker runs in parallel. */
  readonly concurrency?: number;
  /** How long a worker's lock on a running job lasts without renewal; a killed worker's job is taken over after it. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. */
  readonly stalledIntervalMs?: number;
  /** How often one job may be recovered from a dead worker before it is moved to the failed set. */
  readonly maxStalledCount?: number;
  readonly logger?: Logger;
}

/**
 * How long a worker's job lock lasts without renewal (BullMQ renews it every half of this while the worker lives).
 * With the stalled check below, a killed worker's job is back in the queue within about 1.5 s of its death (lock
 * expiry 0.6 to 1.2 s after it, then the next stalled check), and the flag lock it held lapses as fast (see
 * `DEFAULT_LOCK_TTL_MS`), so its flags are restored inside the 2 s target. Safe because jobs are idempotent (they
 * re-read FeatBit) and serialised per flag by the flag lock; a worker whose event loop stalls longer than this loses
 * the job to another worker, which then waits for the flag lock.
 */
export const DEFAULT_LOCK_DURATION_MS = 1_200;
/** How often workers look for jobs whose worker died (one small Lua script per worker per interval). */
export const DEFAULT_STALLED_INTERVAL_MS = 250;

const JOB_NAME = 'reconcile';
const BACKOFF_TYPE = 'featgate-capped-exponential';

/**
 * The Redis mode's queue, on BullMQ 6 primitives:
 * - per-key serialization and coalescing use BullMQ's deduplication with `keepLastIfActive`, keyed by
 *   `jobKeyOf(job)`: while a key's job waits (or waits for a retry) a new trigger is folded into it; while it runs,
 *   the latest trigger is stored and BullMQ queues it atomically when the running job finishes, so one key never
 *   has two jobs running and no trigger is lost;
 * - retries use a capped exponential backoff; failed jobs are kept (`removeOnFail: false`);
 * - a worker killed mid-job loses its lock and another worker takes the job over (stalled-job recovery) within seconds;
 * - a trigger for a key whose job waits out a retry backoff promotes that job to run now.
 */
export function createBullmqJobQueue(options: BullmqJobQueueOptions): JobQueue {
  const retry = options.retry ?? DEFAULT_JOB_RETRY_POLICY;
  const logger = options.logger ?? silentLogger;
  const queueName = options.queueName ?? 'reconcile';
  const { connection, prefix } = bullmqConnection(options.redisUrl, options.prefix);
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', connectionErrorLog(logger, 'reconcile queue'));
  let worker: Worker | undefined;

  const enqueue = async (job: ReconcileJob): Promise<EnqueueOutcome> => {
    const key = jobKeyOf(job);
    const id = randomUUID();
    const added = await queue.add(JOB_NAME, job, {
      jobId: id,
      deduplication: { id: key, keepLastIfActive: true },
      attempts: retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: true,
      removeOnFail: false,
    });
    const jobId = added.id ?? id;
    if (jobId !== id) await promoteIfDelayed(jobId);
    return { jobId, coalesced: jobId !== id };
  };

  /** A new trigger pre-empts a waiting retry: the key's job runs now instead of waiting out its backoff. */
  const promoteIfDelayed = async (jobId: string): Promise<void> => {
    const existing = await queue.getJob(jobId);
    if (!existing || !(await existing.isDelayed())) return;
    await existing
      .promote()
      .catch((error: unknown) =>
        logger.debug({ jobId, err: (error as Error).message }, 'retry already left the delayed set'),
      );
  };

  const toFailedJob = (job: Job): FailedJob => {
    const data = reconcileJobSchema.parse(job.data);
    return {
      id: job.id ?? '',
      key: jobKeyOf(data),
      job: data,
      attemptsMade: job.attemptsMade,
      failedReason: job.failedReason ?? '',
      failedAt: new Date(job.finishedOn ?? job.timestamp).toISOString(),
    };
  };

  const counts = async (): Promise<QueueCounts> => {
    const raw = await queue.getJobCounts('wait', 'prioritized', 'active', 'delayed', 'failed');
    return {
      waiting: (raw.wait ?? 0) + (raw.prioritized ?? 0),
      active: raw.active ?? 0,
      delayed: raw.delayed ?? 0,
      failed: raw.failed ?? 0,
    };
  };

  return {
    enqueue,
    async start(handler: JobHandler) {
      if (worker) throw new Error('the queue already has a worker');
      worker = new Worker(
        queueName,
        async (job: Job) => {
          try {
            await handler(reconcileJobSchema.parse(job.data), job.attemptsMade + 1);
          } catch (error) {
            // A permanent failure goes to the failed set now instead of being retried for half an hour.
            if (isPermanentFailure(error))
              throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
            throw error;
          }
        },
        {
          connection,
          prefix,
          concurrency: options.concurrency ?? DEFAULT_JOB_CONCURRENCY,
          lockDuration: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
          stalledInterval: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
          maxStalledCount: options.maxStalledCount ?? 5,
          // After a Redis error the worker retries fetching jobs after this delay (BullMQ's default is 15 s, which
          // left every edit made during a Redis outage waiting that long once Redis was back).
          runRetryDelay: BULLMQ_RUN_RETRY_DELAY_MS,
          settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(retry, attemptsMade) },
        },
      );
      worker.on('failed', (job, error) => {
        logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error.message }, 'reconcile job attempt failed');
      });
      worker.on('error', connectionErrorLog(logger, 'reconcile worker'));
      await worker.waitUntilReady();
    },
    async listFailed(limit = 100) {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs.filter((job): job is Job => Boolean(job)).map(toFailedJob);
    },
    async retryFailed(id) {
      const job = await queue.getJob(id);
      if (!job || !(await job.isFailed())) throw new NotFoundError(`no failed job ${id}`);
      const data = reconcileJobSchema.parse(job.data);
      const outcome = await enqueue({ ...data, queuedAt: new Date().toISOString() });
      await job.remove();
      return outcome;
    },
    counts,
    async promoteDelayed() {
      const delayed = (await counts()).delayed;
      if (delayed > 0) await queue.promoteJobs();
      return delayed;
    },
    async whenIdle(timeoutMs = 10_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const current = await counts();
        if (current.waiting + current.active + current.delayed === 0) return;
        if (Date.now() > deadline) throw new Error('queue did not become idle in time');
        await sleep(20);
      }
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
