import { z } from 'zod';
import { changeKeySchema } from '../../changes/model/index.js';
import { guardrailBreachSchema } from '../../exposure/model/index.js';

/** `release.stage-applied`: stage `stageIndex` (0-based, into the record's release stages) is live. */
export const stageAppliedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  stageIndex: z.number().int().min(0),
  percentage: z.number().min(0).max(100),
});
export type StageAppliedPayload = z.infer<typeof stageAppliedPayloadSchema>;

/** `release.held`: ramping paused, by a person or by a guardrail (then `metric` names it). */
export const releaseHeldPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  reason: z.string().min(1),
  metric: z.string().optional(),
  /** The metric value and condition, when a guardrail held the release. */
  breach: guardrailBreachSchema.optional(),
});
export type ReleaseHeldPayload = z.infer<typeof releaseHeldPayloadSchema>;

/** `release.resumed`: ramping may continue. */
export const releaseResumedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  reason: z.string().optional(),
});
export type ReleaseResumedPayload = z.infer<typeof releaseResumedPayloadSchema>;

/**
 * `release.rolled-back`: the candidate is withdrawn. The restored approved state of each flag is recorded by
 * its own `approved-state.set` entry, so the approved-state projection needs nothing from this one.
 */
export const releaseRolledBackPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
  reason: z.string().min(1),
  /** The metric value and condition, when a guardrail rolled the release back. */
  breach: guardrailBreachSchema.optional(),
  /** Per flag, the variation that now serves everyone the change's stages had reached. */
  served: z.array(z.strictObject({ flagKey: z.string().min(1), variationId: z.string().min(1) })).optional(),
});
export type ReleaseRolledBackPayload = z.infer<typeof releaseRolledBackPayloadSchema>;

/** `release.completed`: every stage is applied. */
export const releaseCompletedPayloadSchema = z.strictObject({
  changeKey: changeKeySchema,
});
export type ReleaseCompletedPayload = z.infer<typeof releaseCompletedPayloadSchema>;
