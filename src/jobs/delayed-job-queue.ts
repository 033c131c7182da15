/** What every delayed job carries: a stable id, a kind (its BullMQ job name) and when it is due. */
export interface ScheduledJob {
  /** Stable id: scheduling the same id again while it waits changes nothing. */
  readonly id: string;
  readonly kind: string;
  /** ISO time at (or after) which the job runs. */
  readonly runAt: string;
}

/** Runs a due job; throwing retries it with backoff (handlers re-check everything, so a retry is harmless). */
export type DelayedJobHandler<J extends ScheduledJob> = (job: J) => Promise<void>;

/**
 * Jobs that run at a set time. Two implementations keep one contract: BullMQ delayed jobs on Redis (shared by
 * every process, surviving restarts) and in-process timers (embedded mode, where the feature re-derives its due
 * jobs from the ledger at start, so nothing is lost with the process).
 * - `schedule` is idempotent per job id while the job waits;
 * - a job whose time has passed runs at once;
 * - a failing job is retried per its `JobRetryPolicy`, then dropped (the feature schedules it again if it is
 *   still due).
 */
export interface DelayedJobQueue<J extends ScheduledJob> {
  /** Schedules a job; false when a job with the same id already waits. */
  schedule(job: J): Promise<boolean>;
  /** Starts running due jobs with `handler` (once). */
  start(handler: DelayedJobHandler<J>): Promise<void>;
  /** Ids of the jobs that wait. */
  pendingIds(): Promise<string[]>;
  /** Stops running jobs (waiting for running ones) and releases connections. */
  close(): Promise<void>;
}
