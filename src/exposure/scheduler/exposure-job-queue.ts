import { createBullmqDelayedQueue, createTimerDelayedQueue } from '../../jobs/index.js';
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

/** The exposure scheduler's queue on the shared job infrastructure: BullMQ with Redis, timers without. */
export function createExposureJobQueue(options: ExposureJobQueueOptions): ExposureJobQueue {
  const logger = options.logger ? { logger: options.logger } : {};
  return options.redisUrl
    ? createBullmqDelayedQueue<DelayedJob>({
        redisUrl: options.redisUrl,
        prefix: options.prefix,
        queueName: 'exposure',
        parse: (data) => delayedJobSchema.parse(data),
        retry: EXPOSURE_JOB_RETRY_POLICY,
        ...logger,
      })
    : createTimerDelayedQueue<DelayedJob>({ retry: EXPOSURE_JOB_RETRY_POLICY, ...logger });
}
