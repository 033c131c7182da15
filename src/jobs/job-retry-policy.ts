/**
 * How a failing job is retried, by every job queue featgate runs (reconcile jobs, delayed exposure jobs): capped
 * exponential backoff without jitter (BullMQ schedules it, every process computes the same delay). What happens
 * after the last attempt is the queue's contract (the reconcile queue keeps the job in its failed set, a delayed
 * queue drops it for the next sweep). Not the REST client's `HttpRetryPolicy`, which retries a single request
 * within one call; a job's attempt already includes those request retries.
 */
export interface JobRetryPolicy {
  /** Total attempts, the first included. */
  readonly attempts: number;
  /** Delay before the second attempt; doubles with every further one. */
  readonly baseDelayMs: number;
  /** Upper bound of one delay. */
  readonly maxDelayMs: number;
}

/** Delay before the attempt that follows `attemptsMade` failed attempts: base·2^(attemptsMade−1), capped. */
export function retryDelayMs(policy: JobRetryPolicy, attemptsMade: number): number {
  const exponent = Math.max(0, attemptsMade - 1);
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(exponent, 30));
}
