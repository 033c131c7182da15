import type { Logger } from '../../src/logging/index.js';
import {
  createBullmqJobQueue,
  createMemoryJobQueue,
  ExhaustedJobs,
  RepeatTrigger,
  type JobHandler,
  type JobQueue,
  type JobQueueOptions,
  type JobRetryPolicy,
} from '../../src/jobs/index.js';
import { isPermanentFailure } from './permanent-failure.js';
import { jobKeyOf, reconcileJobSchema, type ReconcileJob } from './reconcile-job.js';

/** The reconcile queue: the generic keyed queue (`src/jobs`) carrying reconcile jobs, one key per flag or segment. */
export type ReconcileQueue = JobQueue<ReconcileJob>;

/** Runs one reconcile job; throwing makes the queue retry it with backoff. `attempt` starts at 1. */
export type ReconcileJobHandler = JobHandler<ReconcileJob>;

/**
 * Jobs of different flags one worker runs at once. Jobs wait on FeatBit and Redis round trips far more than on CPU,
 * so a burst of edits (a script, a restored outage) is worked off in parallel; one flag never runs twice at once.
 */
export const DEFAULT_JOB_CONCURRENCY = 8;

/** Production default: 12 attempts over about half an hour, then the job waits in the failed set for a person. */
export const DEFAULT_JOB_RETRY_POLICY: JobRetryPolicy = { attempts: 12, baseDelayMs: 1000, maxDelayMs: 5 * 60 * 1000 };

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

/** Tuning both reconcile queues take (tests shorten retries). */
export interface ReconcileQueueOptions {
  readonly retry?: JobRetryPolicy;
  /** Jobs of different keys a worker runs in parallel. */
  readonly concurrency?: number;
  readonly logger?: Logger;
}

/** The reconcile queue in Redis: BullMQ tuned to take a killed worker's job over within about 1.5 s. */
export interface BullmqReconcileQueueOptions extends ReconcileQueueOptions {
  readonly redisUrl: string;
  /** Key prefix, e.g. `featgate:`; BullMQ's keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
  readonly queueName?: string;
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** How often one job may be recovered from a dead worker before it is moved to the failed set. */
  readonly maxStalledCount?: number;
}

/**
 * What makes the generic queue the reconcile queue: a trigger is new information (`RunAgain`: a trigger during a
 * run causes one more run, a trigger ends a retry backoff), exhausted and permanently failed jobs stay in the failed
 * set for a person (`/v1/jobs`), and a retried job is re-stamped.
 */
function reconcileJobs(options: ReconcileQueueOptions): JobQueueOptions<ReconcileJob> {
  return {
    parse: (data) => reconcileJobSchema.parse(data),
    keyOf: jobKeyOf,
    retry: options.retry ?? DEFAULT_JOB_RETRY_POLICY,
    repeat: RepeatTrigger.RunAgain,
    exhausted: ExhaustedJobs.Keep,
    isPermanent: isPermanentFailure,
    renew: (job) => ({ ...job, queuedAt: new Date().toISOString() }),
    concurrency: options.concurrency ?? DEFAULT_JOB_CONCURRENCY,
    ...(options.logger ? { logger: options.logger } : {}),
  };
}

/** The Redis mode's reconcile queue (BullMQ), shared by every process. */
export function createBullmqReconcileQueue(options: BullmqReconcileQueueOptions): ReconcileQueue {
  return createBullmqJobQueue({
    ...reconcileJobs(options),
    redisUrl: options.redisUrl,
    prefix: options.prefix,
    queueName: options.queueName ?? 'reconcile',
    lockDurationMs: options.lockDurationMs ?? DEFAULT_LOCK_DURATION_MS,
    stalledIntervalMs: options.stalledIntervalMs ?? DEFAULT_STALLED_INTERVAL_MS,
    maxStalledCount: options.maxStalledCount ?? 5,
  });
}

/**
 * The embedded mode's reconcile queue, in this process. Work queued here is lost if the process dies; that is safe
 * because the reconciler re-checks every governed flag at start (ARCHITECTURE.md invariant 3).
 */
export function createMemoryReconcileQueue(options: ReconcileQueueOptions = {}): ReconcileQueue {
  return createMemoryJobQueue(reconcileJobs(options));
}
