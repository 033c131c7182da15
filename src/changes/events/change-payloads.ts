import { z } from 'zod';
import { RiskTier } from '../../../policies/engine/risk-tier.js';
import { changeKeySchema, ChangeStatus, changeRecordSchema, evidenceItemSchema, reviewSchema } from '../model/index.js';

/** `change.created` and `change.edited`: the whole record, secrets already redacted (`redactChangeRecord`). */
export const changeRecordPayloadSchema = z.strictObject({
  record: changeRecordSchema,
});
export type ChangeRecordPayload = z.infer<typeof changeRecordPayloadSchema>;

/** `change.classified`: the tier `evaluate` gave and the rules that fired. */
export const changeClassifiedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  tier: z.enum(RiskTier),
  firedRuleIds: z.array(z.string()),
  reasons: z.array(z.string()).default([]),
});
export type ChangeClassifiedPayload = z.infer<typeof changeClassifiedPayloadSchema>;

/** `review.submitted`: one review. */
export const reviewSubmittedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  review: reviewSchema,
});
export type ReviewSubmittedPayload = z.infer<typeof reviewSubmittedPayloadSchema>;

/** `review.approvals-reset`: every review so far stops counting (e.g. after an edit). */
export const approvalsResetPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  reason: z.string().min(1),
});
export type ApprovalsResetPayload = z.infer<typeof approvalsResetPayloadSchema>;

/** `evidence.attached`: one evidence item. */
export const evidenceAttachedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  evidence: evidenceItemSchema,
});
export type EvidenceAttachedPayload = z.infer<typeof evidenceAttachedPayloadSchema>;

/** `change.status-changed`: an explicit status change (approved, rejected, withdrawn, ...). */
export const changeStatusChangedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  status: z.enum(ChangeStatus),
  reason: z.string().optional(),
});
export type ChangeStatusChangedPayload = z.infer<typeof changeStatusChangedPayloadSchema>;
