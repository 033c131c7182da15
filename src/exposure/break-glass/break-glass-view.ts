import { z } from 'zod';
import { BreakGlassStatus, type BreakGlassRecord } from './break-glass-state.js';

/** A break-glass use as the API shows it. */
export const breakGlassViewSchema = z.object({
  id: z.string(),
  envId: z.string(),
  flagKey: z.string(),
  status: z.enum(BreakGlassStatus),
  incidentReference: z.string().nullable(),
  reason: z.string(),
  usedBy: z.string(),
  usedAt: z.string(),
  servedVariationId: z.string(),
  expiresAt: z.string(),
  postReviewDueBy: z.string(),
  postReviewRoles: z.array(z.string()),
  postReviewOutcome: z.string().nullable(),
  /** True when the post-review is not concluded and its due time has passed. */
  postReviewOverdue: z.boolean(),
  reviews: z.array(
    z.object({
      reviewer: z.string(),
      roles: z.array(z.string()),
      decision: z.string(),
      comment: z.string(),
      at: z.string(),
    }),
  ),
  ended: z.object({ at: z.string(), reason: z.string(), restored: z.boolean() }).nullable(),
});
export type BreakGlassView = z.infer<typeof breakGlassViewSchema>;

/** Builds the API view of a break-glass use at time `now`. */
export function breakGlassView(record: BreakGlassRecord, now: Date): BreakGlassView {
  return {
    id: record.used.id,
    envId: record.used.envId,
    flagKey: record.used.flagKey,
    status: record.status,
    incidentReference: record.used.incidentReference ?? null,
    reason: record.used.reason,
    usedBy: record.usedBy.id,
    usedAt: record.usedAt,
    servedVariationId: record.used.servedVariationId,
    expiresAt: record.used.expiresAt,
    postReviewDueBy: record.used.postReviewDueBy,
    postReviewRoles: [...record.used.postReviewRoles],
    postReviewOutcome: record.postReviewOutcome ?? null,
    postReviewOverdue: isPostReviewOverdue(record, now),
    reviews: record.reviews.map((review) => ({
      reviewer: review.reviewer,
      roles: [...review.roles],
      decision: review.decision,
      comment: review.comment,
      at: review.at,
    })),
    ended: record.ended ? { at: record.ended.at, reason: record.ended.reason, restored: record.ended.restored } : null,
  };
}

/** Whether the post-review of a break-glass use is past due and not concluded. */
export function isPostReviewOverdue(record: BreakGlassRecord, now: Date): boolean {
  return record.postReviewOutcome === undefined && now.getTime() > Date.parse(record.used.postReviewDueBy);
}
