import { z } from 'zod';
import type { JobQueue, JobRetryPolicy } from '../../jobs/index.js';

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

/**
 * The exposure scheduler's queue: the shared keyed job queue (`src/jobs`) carrying exposure jobs, keyed by job id
 * and due at `runAt`. Scheduling an id that waits or runs changes nothing; a failing job is retried per
 * `EXPOSURE_JOB_RETRY_POLICY`, then dropped: the next sweep schedules it again if the ledger still says it is due.
 */
export type ExposureJobQueue = JobQueue<DelayedJob>;

/** A few quick attempts (0.5, 1, 2 s apart): the handler re-checks the ledger, and the sweep re-schedules anyway. */
export const EXPOSURE_JOB_RETRY_POLICY: JobRetryPolicy = { attempts: 4, baseDelayMs: 500, maxDelayMs: 4_000 };
