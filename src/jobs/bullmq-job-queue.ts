import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, UnrecoverableError, Worker, type Job, type WorkerOptions } from 'bullmq';
import { NotFoundError } from '../errors/index.js';
import { connectionErrorLog, silentLogger } from '../logging/index.js';
import { BULLMQ_RUN_RETRY_DELAY_MS } from '../redis/index.js';
import { bullmqConnection } from './bullmq-connection.js';
import {
  ExhaustedJobs,
  isMarkedPermanent,
  RepeatTrigger,
  type EnqueueOutcome,
  type FailedJob,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type QueueCounts,
} from './job-queue.js';
import { retryDelayMs } from './job-retry-policy.js';

/** Options of the BullMQ queue; every Redis key lives under `prefix`. */
export interface BullmqJobQueueOptions<J> extends JobQueueOptions<J> {
  readonly redisUrl: string;
  /** Key prefix, e.g. `featgate:`; BullMQ's keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
  /** BullMQ's queue name (and every job's name). */
  readonly queueName: string;
  /** How long a worker's lock on a running job lasts without renewal; a killed worker's job is taken over after it. */
  readonly lockDurationMs?: number;
  /** How often workers look for jobs whose worker died. */
  readonly stalledIntervalMs?: number;
  /** How often one job may be recovered from a dead worker before it fails. */
  readonly maxStalledCount?: number;
}

const BACKOFF_TYPE = 'featgate-capped-exponential';

/**
 * The Redis mode's queue, on BullMQ 6 primitives (lock and stall timings are BullMQ's unless given):
 * - per-key serialization and coalescing use BullMQ's deduplication keyed by `keyOf(job)`: while a key's job waits
 *   (for its turn, its due time or a retry) a new trigger is folded into it; with `RepeatTrigger.RunAgain`
 *   (`keepLastIfActive`) the latest trigger during a run is stored and BullMQ queues it atomically when the run
 *   finishes, and a trigger promotes a job waiting out a retry backoff; so one key never has two jobs running;
 * - a due time is BullMQ's `delay`; retries use a capped exponential backoff; a permanent failure is BullMQ's
 *   `UnrecoverableError`; exhausted jobs are kept (`removeOnFail: false`) or removed;
 * - a worker killed mid-job loses its lock and another worker takes the job over (stalled-job recovery).
 */
export function createBullmqJobQueue<J>(options: BullmqJobQueueOptions<J>): JobQueue<J> {
  const { queueName, parse, keyOf, retry } = options;
  const logger = options.logger ?? silentLogger;
  const isPermanent = options.isPermanent ?? isMarkedPermanent;
  const runAgain = options.repeat === RepeatTrigger.RunAgain;
  const { connection, prefix } = bullmqConnection(options.redisUrl, options.prefix);
  const queue = new Queue(queueName, { connection, prefix });
  queue.on('error', connectionErrorLog(logger, `${queueName} queue`));
  let worker: Worker | undefined;

  const enqueue = async (job: J, { runAt }: { runAt?: number } = {}): Promise<EnqueueOutcome> => {
    const data = parse(job);
    const id = randomUUID();
    const added = await queue.add(queueName, data, {
      jobId: id,
      deduplication: runAgain ? { id: keyOf(data), keepLastIfActive: true } : { id: keyOf(data) },
      ...(runAt === undefined ? {} : { delay: Math.max(0, runAt - Date.now()) }),
      attempts: retry.attempts,
      backoff: { type: BACKOFF_TYPE },
      removeOnComplete: true,
      removeOnFail: options.exhausted === ExhaustedJobs.Drop,
    });
    const jobId = added.id ?? id;
    if (jobId !== id && runAgain) await promoteIfRetrying(jobId);
    return { jobId, coalesced: jobId !== id };
  };

  /** A new trigger pre-empts a waiting retry: the key's job runs now instead of waiting out its backoff. */
  const promoteIfRetrying = async (jobId: string): Promise<void> => {
    const existing = await queue.getJob(jobId);
    if (!existing || existing.attemptsMade === 0 || !(await existing.isDelayed())) return;
    await promote(existing);
  };

  const promote = (job: Job): Promise<void> =>
    job
      .promote()
      .catch((error: unknown) =>
        logger.debug({ jobId: job.id, err: (error as Error).message }, 'retry already left the delayed set'),
      );

  const toFailedJob = (job: Job): FailedJob<J> => {
    const data = parse(job.data);
    return {
      id: job.id ?? '',
      key: keyOf(data),
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

  const workerOptions = (): WorkerOptions => ({
    connection,
    prefix,
    concurrency: options.concurrency ?? 1,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
    ...(options.maxStalledCount === undefined ? {} : { maxStalledCount: options.maxStalledCount }),
    // After a Redis error the worker retries fetching jobs after this delay (BullMQ's default is 15 s, which
    // left every edit made during a Redis outage waiting that long once Redis was back).
    runRetryDelay: BULLMQ_RUN_RETRY_DELAY_MS,
    settings: { backoffStrategy: (attemptsMade: number) => retryDelayMs(retry, attemptsMade) },
  });

  return {
    enqueue,
    async start(handler: JobHandler<J>) {
      if (worker) throw new Error('the queue already has a worker');
      worker = new Worker(
        queueName,
        async (job: Job) => {
          try {
            await handler(parse(job.data), job.attemptsMade + 1);
          } catch (error) {
            // A permanent failure fails now instead of being retried for the whole policy.
            if (isPermanent(error))
              throw new UnrecoverableError(error instanceof Error ? error.message : String(error));
            throw error;
          }
        },
        workerOptions(),
      );
      worker.on('failed', (job, error) => {
        logger.warn(
          { jobId: job?.id, attempt: job?.attemptsMade, err: error.message },
          `${queueName} job attempt failed`,
        );
      });
      worker.on('error', connectionErrorLog(logger, `${queueName} worker`));
      await worker.waitUntilReady();
    },
    async listFailed(limit = 100) {
      const jobs = await queue.getFailed(0, Math.max(0, limit - 1));
      return jobs.filter((job): job is Job => Boolean(job)).map(toFailedJob);
    },
    async retryFailed(id) {
      const job = await queue.getJob(id);
      if (!job || !(await job.isFailed())) throw new NotFoundError(`no failed job ${id}`);
      const data = parse(job.data);
      const outcome = await enqueue(options.renew ? options.renew(data) : data);
      await job.remove();
      return outcome;
    },
    counts,
    async promoteDelayed() {
      if ((await counts()).delayed === 0) return 0;
      const retries = (await queue.getDelayed()).filter((job): job is Job => Boolean(job) && job.attemptsMade > 0);
      await Promise.all(retries.map(promote));
      return retries.length;
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
