import { z } from 'zod';
import type { ExhaustedJobs, RepeatTrigger } from '../../../src/jobs/index.js';
import { type JobQueueOptions, type JobRetryPolicy } from '../../../src/jobs/index.js';

/** The job the contract suite queues: a key and a note that tells triggers of one key apart. */
export const contractJobSchema = z.strictObject({ key: z.string().min(1), note: z.string() });
export type ContractJob = z.infer<typeof contractJobSchema>;

/** Builds a job for `key`. */
export const contractJob = (key: string, note = ''): ContractJob => ({ key, note });

/** Quick retries, so exhaustion and backoff are seen within a test. */
export const FAST_RETRY: JobRetryPolicy = { attempts: 3, baseDelayMs: 40, maxDelayMs: 60 };

/** Queue options for the contract's job; each test states the behaviour it checks. */
export function contractOptions(
  repeat: RepeatTrigger,
  exhausted: ExhaustedJobs,
  retry: JobRetryPolicy = FAST_RETRY,
): JobQueueOptions<ContractJob> {
  return {
    parse: (data) => contractJobSchema.parse(data),
    keyOf: (job) => job.key,
    retry,
    repeat,
    exhausted,
    renew: (job) => ({ ...job, note: `${job.note}+renewed` }),
    concurrency: 4,
  };
}
