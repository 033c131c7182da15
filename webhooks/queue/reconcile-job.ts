import { z } from 'zod';

/** What a job converges: one flag, or one segment (which fans out to the governed flags that reference it). */
export enum JobTargetKind {
  Flag = 'flag',
  Segment = 'segment',
}

/** Why a job was queued; recorded so the ledger and logs can tell webhook catches from reconciler catches. */
export enum TriggerSource {
  Webhook = 'webhook',
  Reconciler = 'reconciler',
  Segment = 'segment',
  Manual = 'manual',
  /** FeatBit's SDK data-sync stream reported the flag changed (sees edits FeatBit sends no webhook for). */
  Stream = 'stream',
}

/** A job's payload: which object to converge and what triggered it. The worker always re-reads the object. */
export const reconcileJobSchema = z.object({
  envId: z.string().min(1),
  target: z.discriminatedUnion('kind', [
    z.object({ kind: z.literal(JobTargetKind.Flag), flagKey: z.string().min(1) }),
    z.object({ kind: z.literal(JobTargetKind.Segment), segmentId: z.string().min(1) }),
  ]),
  source: z.enum(TriggerSource),
  /** FeatBit operator display name from the webhook; a hint, the audit log is preferred. */
  operator: z.string().optional(),
  deliveryId: z.string().optional(),
  queuedAt: z.string(),
});
export type ReconcileJob = z.infer<typeof reconcileJobSchema>;

/**
 * The serialization key of a job: at most one job per key runs at a time, and a trigger for a key that already
 * waits is coalesced into the waiting job.
 */
export function jobKeyOf(job: Pick<ReconcileJob, 'envId' | 'target'>): string {
  return job.target.kind === JobTargetKind.Flag
    ? `${job.envId}:flag:${job.target.flagKey}`
    : `${job.envId}:segment:${job.target.segmentId}`;
}

/** Builds a flag job stamped with the current time. */
export function flagJob(
  envId: string,
  flagKey: string,
  source: TriggerSource,
  extra: Partial<Pick<ReconcileJob, 'operator' | 'deliveryId'>> = {},
): ReconcileJob {
  return { envId, target: { kind: JobTargetKind.Flag, flagKey }, source, queuedAt: new Date().toISOString(), ...extra };
}

/** Builds a segment job stamped with the current time. */
export function segmentJob(
  envId: string,
  segmentId: string,
  source: TriggerSource,
  extra: Partial<Pick<ReconcileJob, 'operator' | 'deliveryId'>> = {},
): ReconcileJob {
  return {
    envId,
    target: { kind: JobTargetKind.Segment, segmentId },
    source,
    queuedAt: new Date().toISOString(),
    ...extra,
  };
}
