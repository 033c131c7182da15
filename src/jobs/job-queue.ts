import type { Logger } from '../logging/index.js';
import type { JobRetryPolicy } from './job-retry-policy.js';

/** Runs one job; throwing makes the queue retry it with backoff (unless the error is permanent). `attempt` starts at 1. */
export type JobHandler<J> = (job: J, attempt: number) => Promise<void>;

/** What a trigger for a key whose job already waits or runs means. */
export enum RepeatTrigger {
  /**
   * New information (reconcile: the flag may have changed again): folded into the key's waiting job, cutting a retry
   * backoff short; while the key's job runs, it causes exactly one more run after it.
   */
  RunAgain = 'run-again',
  /** The same job again (a sweep re-deriving due jobs): ignored while the key's job waits, waits for a retry or runs. */
  Ignore = 'ignore',
}

/** What happens to a job after its last attempt (or a permanent failure). */
export enum ExhaustedJobs {
  /** Kept in the failed set (listed, counted, retried on request) until a person acts. */
  Keep = 'keep',
  /** Dropped: the feature derives its due jobs again from the ledger and schedules them anew. */
  Drop = 'drop',
}

/** What enqueueing did: queued a new job, or folded the trigger into the key's job already waiting or running. */
export interface EnqueueOutcome {
  readonly jobId: string;
  readonly coalesced: boolean;
}

/** When a new job may run; without it, at once. */
export interface EnqueueOptions {
  /** Epoch ms at (or after) which the job runs; a time that has passed runs it at once. */
  readonly runAt?: number;
}

/** A job that exhausted its attempts or failed permanently, kept (`ExhaustedJobs.Keep`) until retried. */
export interface FailedJob<J> {
  readonly id: string;
  readonly key: string;
  readonly job: J;
  readonly attemptsMade: number;
  readonly failedReason: string;
  readonly failedAt: string;
}

/** Sizes of the queue's sets, for health checks and metrics; `delayed` holds retry backoffs and jobs not due yet. */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

/** What a queue carries and how it treats its jobs; both implementations take these. */
export interface JobQueueOptions<J> {
  /** Validates a job on the way in and out (a zod schema's `parse`): Redis is not trusted. */
  readonly parse: (data: unknown) => J;
  /** The serialization key: at most one job per key runs at a time, across every worker process. */
  readonly keyOf: (job: J) => string;
  readonly retry: JobRetryPolicy;
  readonly repeat: RepeatTrigger;
  readonly exhausted: ExhaustedJobs;
  /** Whether an error means retrying cannot help (the job fails at once); default: errors marked `permanent`. */
  readonly isPermanent?: (error: unknown) => boolean;
  /** Renews a failed job's data when a person retries it (reconcile re-stamps `queuedAt`); default: unchanged. */
  readonly renew?: (job: J) => J;
  /** Jobs of different keys one worker runs in parallel; default 1. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

/**
 * A keyed job queue. Two implementations keep one contract (tested by one suite, `test/integration/jobs`): BullMQ
 * on Redis (shared by every process, surviving restarts and killed workers) and an in-process queue.
 * - At most one job per key runs at a time, across every worker process; keys run in parallel up to `concurrency`.
 * - A trigger for a key whose job waits or runs is coalesced as `RepeatTrigger` says (never two jobs of one key).
 * - A job may wait for a due time (`runAt`).
 * - Failing jobs are retried per `JobRetryPolicy`; a permanent failure is not; after that, `ExhaustedJobs` decides
 *   (kept in the failed set, or dropped). A finished or failed key takes new jobs at once.
 */
export interface JobQueue<J> {
  /** Queues a job, or folds it into the key's waiting or running job. */
  enqueue(job: J, options?: EnqueueOptions): Promise<EnqueueOutcome>;
  /** Starts consuming jobs with `handler` (once per queue object; producers never call it). */
  start(handler: JobHandler<J>): Promise<void>;
  /** Jobs in the failed set, newest first (always empty with `ExhaustedJobs.Drop`). */
  listFailed(limit?: number): Promise<FailedJob<J>[]>;
  /** Queues a failed job's work again (through the normal, coalescing path) and removes it from the failed set. */
  retryFailed(id: string): Promise<EnqueueOutcome>;
  /** Current set sizes. */
  counts(): Promise<QueueCounts>;
  /**
   * Runs every job waiting out a retry backoff now (the cause is known to be gone); resolves with how many there
   * were. Jobs waiting for their due time stay. Jobs are idempotent, so running early only saves time.
   */
  promoteDelayed(): Promise<number>;
  /** Resolves when nothing waits, runs or is delayed (tests and graceful shutdown). */
  whenIdle(timeoutMs?: number): Promise<void>;
  /** Stops consuming (waiting for running jobs) and releases connections. */
  close(): Promise<void>;
}

/** Marks an error whose job cannot succeed by retrying: it fails at once (and waits in the failed set, if kept). */
export interface PermanentFailure {
  readonly permanent: true;
}

/** The default `isPermanent`: the error declares itself permanent (`PermanentFailure`). */
export function isMarkedPermanent(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as Partial<PermanentFailure>).permanent === true;
}
