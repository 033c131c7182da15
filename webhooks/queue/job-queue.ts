import type { JobRetryPolicy } from '../../src/jobs/index.js';
import type { ReconcileJob } from './reconcile-job.js';

/** Runs one job; throwing makes the queue retry it with backoff. `attempt` starts at 1. */
export type JobHandler = (job: ReconcileJob, attempt: number) => Promise<void>;

/**
 * Jobs of different flags one worker runs at once. Jobs wait on FeatBit and Redis round trips far more than on CPU,
 * so a burst of edits (a script, a restored outage) is worked off in parallel; one flag never runs twice at once.
 */
export const DEFAULT_JOB_CONCURRENCY = 8;

/** Production default: 12 attempts over about half an hour, then the job waits in the failed set for a person. */
export const DEFAULT_JOB_RETRY_POLICY: JobRetryPolicy = { attempts: 12, baseDelayMs: 1000, maxDelayMs: 5 * 60 * 1000 };

/** What enqueueing did: queued a new job, or folded the trigger into one already waiting or running. */
export interface EnqueueOutcome {
  readonly jobId: string;
  readonly coalesced: boolean;
}

/** A job that exhausted its attempts: kept and visible until retried, never dropped. */
export interface FailedJob {
  readonly id: string;
  readonly key: string;
  readonly job: ReconcileJob;
  readonly attemptsMade: number;
  readonly failedReason: string;
  readonly failedAt: string;
}

/** Sizes of the queue's sets, for health checks and metrics. */
export interface QueueCounts {
  readonly waiting: number;
  readonly active: number;
  readonly delayed: number;
  readonly failed: number;
}

/**
 * The reconcile job queue. Two implementations keep one contract (tested by one suite): BullMQ on Redis and an
 * in-process queue for the embedded mode.
 * - At most one job per key (`jobKeyOf`) runs at a time, across every worker process.
 * - A trigger for a key whose job waits is coalesced into it; a trigger while the key's job runs causes exactly
 *   one more run after it (never lost, never concurrent).
 * - Failing jobs are retried with backoff; after the last attempt they stay in the failed set (listed, counted,
 *   retried on request).
 */
export interface JobQueue {
  /** Queues a job, or folds it into the key's waiting or running job. */
  enqueue(job: ReconcileJob): Promise<EnqueueOutcome>;
  /** Starts consuming jobs with `handler` (once per queue object; producers never call it). */
  start(handler: JobHandler): Promise<void>;
  /** Jobs that exhausted their attempts, newest first. */
  listFailed(limit?: number): Promise<FailedJob[]>;
  /** Queues a failed job's work again (through the normal, coalescing path) and removes it from the failed set. */
  retryFailed(id: string): Promise<EnqueueOutcome>;
  /** Current set sizes. */
  counts(): Promise<QueueCounts>;
  /**
   * Runs every job waiting out a retry backoff now (FeatBit is known to answer again); resolves with how many
   * were waiting. Jobs are idempotent, so running early only saves time.
   */
  promoteDelayed(): Promise<number>;
  /** Resolves when nothing waits, runs or is delayed for retry (tests and graceful shutdown). */
  whenIdle(timeoutMs?: number): Promise<void>;
  /** Stops consuming (waiting for running jobs) and releases connections. */
  close(): Promise<void>;
}
