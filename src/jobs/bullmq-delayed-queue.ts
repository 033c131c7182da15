import { Queue, Worker, type Job } from 'bullmq';
import type { Logger } from '../logging/index.js';
import { connectionErrorLog, silentLogger } from '../logging/index.js';
import { BULLMQ_RUN_RETRY_DELAY_MS } from '../redis/index.js';
import { bullmqConnection } from './bullmq-connection.js';
import type { DelayedJobHandler, DelayedJobQueue, ScheduledJob } from './delayed-job-queue.js';
import { retryDelayMs, type JobRetryPolicy } from './job-retry-policy.js';

/** BullMQ backoff type resolved by the worker's strategy below. */
const BACKOFF_TYPE = 'featgate-capped-exponential';

/** Options of the BullMQ delayed queue; every Redis key lives under `prefix`. */
export interface BullmqDelayedQueueOptions<J extends ScheduledJob> {
  readonly redisUrl: string;
  /** Key prefix, e.g. `featgate:`; BullMQ's keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
  readonly queueName: string;
  /** Validates a job on the way in and on the way out of Redis (a zod schema's `parse`): Redis is not trusted. */
  readonly parse: (data: unknown) => J;
  readonly retry: JobRetryPolicy;
  readonly logger?: Logger;
  /** Clock in epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * The Redis mode's delayed queue: BullMQ delayed jobs with the job id as BullMQ's `jobId`, so every process may
 * schedule the same job and only one waits; one worker across all processes runs it when it comes due.
 * Completed and failed jobs are removed, so a job that is still due can be scheduled again.
 */
export function createBullmqDelayedQueue<J extends ScheduledJob>(
  options: BullmqDelayedQueueOptions<J>,
): DelayedJobQueue<J> {
  const logger = options.logger ?? silentLogger;
  const now = options.now ?? Date.now;
  const { queueName, parse, retry } = options;
  const { connection, prefix } = bullmqConnection(options.redisUrl, options.prefix);
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', connectionErrorLog(logger, 'delayed job queue'));
  let worker: Worker | undefined;

  return {
    async schedule(job) {
      const parsed = parse(job);
      const existing = await queue.getJob(parsed.id);
      if (
        existing &&
        ['delayed', 'waiting', 'active', 'prioritized', 'waiting-children'].includes(await existing.getState())
      )
        return false;
      if (existing) await existing.remove().catch(() => undefined);
      await queue.add(parsed.kind, parsed, {
        jobId: parsed.id,
        delay: Math.max(0, Date.parse(parsed.runAt) - now()),
        attempts: retry.attempts,
        backoff: { type: BACKOFF_TYPE },
        removeOnComplete: true,
        removeOnFail: true,
      });
      return true;
    },
    async start(handler: DelayedJobHandler<J>) {
      if (worker) throw new Error('the delayed queue already has a worker');
      worker = new Worker(queueName, async (job: Job) => handler(parse(job.data)), {
        connection,
        prefix,
        concurrency: 2,
        runRetryDelay: BULLMQ_RUN_RETRY_DELAY_MS,
        settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(retry, attemptsMade) },
      });
      worker.on('failed', (job, error) =>
        logger.warn({ jobId: job?.id, attempt: job?.attemptsMade, err: error.message }, 'delayed job attempt failed'),
      );
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
