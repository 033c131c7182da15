import { z } from 'zod';
import { ChangeStatus, evidenceRequestItemSchema, ReviewDecision } from './model/index.js';
import { RiskTier } from '../../policies/index.js';

/** Body of a review: approve, or reject with a reason. */
export const reviewRequestSchema = z
  .strictObject({
    decision: z.enum(ReviewDecision),
    comment: z.string().max(10_000).default(''),
    /** The record revision the reviewer read (the change view's `revision`); a newer one answers 409. `If-Match` works too. */
    revision: z.number().int().min(1).optional(),
  })
  .refine((review) => review.decision !== ReviewDecision.Reject || review.comment.trim() !== '', {
    path: ['comment'],
    message: 'a rejection needs a comment saying why',
  });
export type ReviewRequest = z.infer<typeof reviewRequestSchema>;

/** Body of an evidence attachment; who attached it and when are set by the service. */
export const evidenceRequestSchema = evidenceRequestItemSchema;
export type EvidenceRequest = z.infer<typeof evidenceRequestSchema>;

/** Body of `apply-stage`: the stage number (1-based; the next one when absent). */
export const applyStageRequestSchema = z.strictObject({
  stage: z.number().int().min(1).optional(),
  comment: z.string().max(10_000).optional(),
});
export type ApplyStageRequest = z.infer<typeof applyStageRequestSchema>;

/** Body of `hold` and `rollback`: why. */
export const reasonRequestSchema = z.strictObject({ reason: z.string().trim().min(1).max(10_000) });
export type ReasonRequest = z.infer<typeof reasonRequestSchema>;

/** Body of `resume`. */
export const resumeRequestSchema = z.strictObject({ comment: z.string().max(10_000).optional() });
export type ResumeRequest = z.infer<typeof resumeRequestSchema>;

/** Filters of the change list. */
export const changeListQuerySchema = z.strictObject({
  status: z.enum(ChangeStatus).optional(),
  tier: z.enum(RiskTier).optional(),
  flag: z.string().min(1).optional(),
  owner: z.string().min(1).optional(),
  waitingOnMe: z.enum(['true', 'false']).optional(),
});
export type ChangeListQuery = z.infer<typeof changeListQuerySchema>;

/** Path parameter naming a change. */
export const changeKeyParamsSchema = z.strictObject({
  key: z.string().regex(/^[a-z0-9][a-z0-9-]{0,79}$/, 'not a change key'),
});
