import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from '../../logging/index.js';
import { connectionErrorLog, silentLogger } from '../../logging/index.js';
import { BULLMQ_RUN_RETRY_DELAY_MS, reconnectDelayMs } from '../../redis/index.js';
import {
  DELAYED_JOB_ATTEMPTS,
  DELAYED_JOB_BACKOFF_MS,
  delayedJobSchema,
  type DelayedJobHandler,
  type DelayedJobQueue,
} from './delayed-job-queue.js';

/** Options of the BullMQ delayed queue; every Redis key lives under `prefix`. */
export interface BullmqDelayedQueueOptions {
  readonly redisUrl: string;
  /** Key prefix, e.g. `featgate:`; BullMQ's keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
  readonly queueName?: string;
  readonly logger?: Logger;
  /** Clock in epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * The Redis mode's delayed queue: BullMQ delayed jobs with the job id as BullMQ's `jobId`, so every process may
 * schedule the same job and only one waits; one worker across all processes runs it when it comes due.
 * Completed and failed jobs are removed, so a job the ledger still calls due can be scheduled again.
 */
export function createBullmqDelayedQueue(options: BullmqDelayedQueueOptions): DelayedJobQueue {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const queueName = options.queueName ?? 'exposure';
  // Reconnects and refetches as fast as the reconcile queue does after a Redis outage (see bullmq-job-queue.ts).
  const connection = { url: options.redisUrl, maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs };
  const prefix = `${options.prefix}bull`;
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', connectionErrorLog(logger, 'delayed job queue'));
  let worker: Worker | undefined;

  return {
    async schedule(job) {
      const parsed = delayedJobSchema.parse(job);
      const existing = await queue.getJob(parsed.id);
      if (existing && ['delayed', 'waiting', 'active', 'prioritized', 'waiting-children'].includes(await existing.getState())) return false;
      if (existing) await existing.remove().catch(() => undefined);
      await queue.add(parsed.kind, parsed, {
        jobId: parsed.id,
        delay: Math.max(0, Date.parse(parsed.runAt) - now()),
        attempts: DELAYED_JOB_ATTEMPTS,
        backoff: { type: 'exponential', delay: DELAYED_JOB_BACKOFF_MS },
        removeOnComplete: true,
        removeOnFail: true,
      });
      return true;
    },
    async start(handler: DelayedJobHandler) {
      if (worker) throw new Error('the delayed queue already has a worker');
      worker = new Worker(queueName, async (job: Job) => handler(delayedJobSchema.parse(job.data)), { connection, prefix, concurrency: 2, runRetryDelay: BULLMQ_RUN_RETRY_DELAY_MS });
      worker.on('failed', (job, error) => logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error.message }, 'delayed job attempt failed'));
      worker.on('error', connectionErrorLog(logger, 'delayed job worker'));
      await worker.waitUntilReady();
    },
    async pendingIds() {
      const jobs = await queue.getJobs(['delayed', 'waiting', 'active', 'prioritized']);
      return jobs.filter((job): job is Job => Boolean(job)).map((job) => job.id ?? '');
    },
    async close() {
      await worker?.close();
      await queue.close();
    },
  };
}
