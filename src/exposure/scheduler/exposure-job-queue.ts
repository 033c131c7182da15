import {
  createBullmqJobQueue,
  createMemoryJobQueue,
  ExhaustedJobs,
  RepeatTrigger,
  type JobQueueOptions,
} from '../../jobs/index.js';
import type { Logger } from '../../logging/index.js';
import {
  EXPOSURE_JOB_RETRY_POLICY,
  delayedJobSchema,
  type DelayedJob,
  type ExposureJobQueue,
} from './delayed-job-queue.js';

/** Where the exposure scheduler's jobs wait. */
export interface ExposureJobQueueOptions {
  /** Redis for BullMQ delayed jobs; timers in this process when absent. */
  readonly redisUrl?: string | undefined;
  /** featgate's Redis key prefix. */
  readonly prefix: string;
  readonly logger?: Logger | undefined;
}

/**
 * The exposure scheduler's queue on the shared job infrastructure: BullMQ with Redis, in process without. A job is
 * keyed by its stable id, so every process may sweep and schedule it and only one waits; a repeat is ignored, and an
 * exhausted job is dropped (the ledger is the record, the next sweep re-derives it).
 */
export function createExposureJobQueue(options: ExposureJobQueueOptions): ExposureJobQueue {
  const jobs: JobQueueOptions<DelayedJob> = {
    parse: (data) => delayedJobSchema.parse(data),
    keyOf: (job) => job.id,
    retry: EXPOSURE_JOB_RETRY_POLICY,
    repeat: RepeatTrigger.Ignore,
    exhausted: ExhaustedJobs.Drop,
    concurrency: 2,
    ...(options.logger ? { logger: options.logger } : {}),
  };
  return options.redisUrl
    ? createBullmqJobQueue({ ...jobs, redisUrl: options.redisUrl, prefix: options.prefix, queueName: 'exposure' })
    : createMemoryJobQueue(jobs);
}
