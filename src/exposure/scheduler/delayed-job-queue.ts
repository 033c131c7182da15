import { z } from 'zod';

/** What a delayed job does when it comes due. */
export enum DelayedJobKind {
  /** Apply the next stage of a change whose applied stage says `advance: auto`. */
  AutoAdvance = 'auto-advance',
  /** End a break-glass change whose maximum duration has passed, unless it was approved afterwards. */
  BreakGlassExpiry = 'break-glass-expiry',
}

/** One job to run at (or after) `runAt`. */
export const delayedJobSchema = z.strictObject({
  /** Stable id: scheduling the same id again while it waits changes nothing. Letters, digits, `-`, `.` and `_`. */
  id: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/),
  kind: z.enum(DelayedJobKind),
  /** The change key or break-glass id the job is about. */
  subject: z.string().min(1),
  /** For auto-advance: the stage index the change must still be at, so a job that lost a race does nothing. */
  fromStageIndex: z.number().int().min(0).optional(),
  runAt: z.iso.datetime({ offset: true }),
});
export type DelayedJob = z.infer<typeof delayedJobSchema>;

/** Runs a due job; throwing retries it with backoff (the handler re-checks everything, so a retry is harmless). */
export type DelayedJobHandler = (job: DelayedJob) => Promise<void>;

/**
 * Jobs that run at a set time. Two implementations keep one contract: BullMQ delayed jobs on Redis (shared by
 * every process, surviving restarts) and in-process timers (embedded mode; the exposure scheduler re-derives
 * every due job from the ledger at start and on every sweep, so nothing is lost with the process).
 * - `schedule` is idempotent per job id while the job waits;
 * - a job whose time has passed runs at once;
 * - a failing job is retried a few times with backoff, then dropped (the next sweep schedules it again if the
 *   ledger still says it is due).
 */
export interface DelayedJobQueue {
  /** Schedules a job; false when a job with the same id already waits. */
  schedule(job: DelayedJob): Promise<boolean>;
  /** Starts running due jobs with `handler` (once). */
  start(handler: DelayedJobHandler): Promise<void>;
  /** Ids of the jobs that wait. */
  pendingIds(): Promise<string[]>;
  /** Stops running jobs (waiting for running ones) and releases connections. */
  close(): Promise<void>;
}

/** Attempts per job, the first included. */
export const DELAYED_JOB_ATTEMPTS = 4;
/** Delay before the second attempt; doubled for each further one. */
export const DELAYED_JOB_BACKOFF_MS = 500;
