import { z } from 'zod';
import { durationSchema, jsonValueSchema } from '../../changes/model/index.js';
import { reviewRequestSchema } from '../../changes/index.js';

/** What an emergency change serves: an existing variation, or a value (a new variation is created when none holds it). */
export const breakGlassServeSchema = z.union([
  z.strictObject({ variationId: z.string().min(1) }),
  z.strictObject({ value: jsonValueSchema }),
]);
export type BreakGlassServe = z.infer<typeof breakGlassServeSchema>;

/**
 * Body of `POST /v1/break-glass`: serve one value of a governed flag to everyone, now, without approval. The
 * policy decides who may (its `breakGlass.roles`), whether an incident reference is required, and how long it may
 * last at most (`duration`).
 */
export const breakGlassRequestSchema = z.strictObject({
  /** FeatBit environment id or the name the policy gives it. */
  environment: z.string().trim().min(1),
  flagKey: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'flag keys use letters, digits, dot, underscore and dash'),
  incidentReference: z.string().trim().min(1).max(200).optional(),
  reason: z.string().trim().min(1).max(10_000),
  /** How long the emergency change stays without post-approval, e.g. `2h`; at most the policy's `maxDuration`. */
  duration: durationSchema,
  serve: breakGlassServeSchema,
});
export type BreakGlassRequest = z.infer<typeof breakGlassRequestSchema>;

/** Body of a post-review: approve (the emergency change stays) or reject with a reason (it is undone at once). */
export const postReviewRequestSchema = reviewRequestSchema;
export type PostReviewRequest = z.infer<typeof postReviewRequestSchema>;

/** Path parameter naming a break-glass use. */
export const breakGlassIdParamsSchema = z.strictObject({
  id: z.string().regex(/^bg-[a-z0-9-]{4,60}$/, 'not a break-glass id'),
});
