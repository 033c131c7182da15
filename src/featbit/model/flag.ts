import { VariationType } from '@featgate/openfeature/evaluator';
import { z } from 'zod';

/** FeatBit's variation types; the evaluator's model (in the provider package) owns the enum. */
export { VariationType };

/** A variation; FeatBit stores every value as a string whatever the flag's type. */
export const variationSchema = z.looseObject({
  id: z.string().min(1),
  // FeatBit stores a null name for a variation written without one (descriptive only).
  name: z
    .string()
    .nullable()
    .default('')
    .transform((value) => value ?? ''),
  value: z.string(),
});
export type Variation = z.infer<typeof variationSchema>;

/** Individual targeting: these user keys get this variation. */
export const targetUserSchema = z.looseObject({
  keyIds: z.array(z.string()),
  variationId: z.string().min(1),
});
export type TargetUser = z.infer<typeof targetUserSchema>;

/**
 * A rule condition. `value` is always a string (lists are JSON arrays inside it); segment conditions use
 * the property `User is in segment` / `User is not in segment` and ignore `op`.
 */
export const conditionSchema = z.looseObject({
  // FeatBit stores a null id for a condition written without one; nothing refers to condition ids.
  id: z
    .string()
    .nullable()
    .transform((value) => value ?? undefined)
    .optional(),
  property: z.string(),
  op: z.string().nullable().default(null),
  value: z
    .string()
    .nullable()
    .transform((value) => value ?? ''),
});
export type Condition = z.infer<typeof conditionSchema>;

/** A share of a rollout: the contexts whose bucket falls in `rollout` (inclusive fractions 0..1). */
export const rolloutVariationSchema = z.looseObject({
  id: z.string().min(1),
  rollout: z.tuple([z.number().min(0).max(1), z.number().min(0).max(1)]),
  exptRollout: z.number().default(1),
});
export type RolloutVariation = z.infer<typeof rolloutVariationSchema>;

/** A targeting rule: all conditions must match, then the rollout picks a variation. */
export const targetRuleSchema = z.looseObject({
  id: z.string().min(1),
  name: z
    .string()
    .nullable()
    .default('')
    .transform((value) => value ?? ''),
  dispatchKey: z.string().nullable().optional(),
  includedInExpt: z.boolean().default(false),
  conditions: z.array(conditionSchema),
  variations: z.array(rolloutVariationSchema),
});
export type TargetRule = z.infer<typeof targetRuleSchema>;

/** The default rule, served when no target or rule matches. */
export const fallthroughSchema = z.looseObject({
  dispatchKey: z.string().nullable().optional(),
  includedInExpt: z.boolean().default(true),
  variations: z.array(rolloutVariationSchema),
});
export type Fallthrough = z.infer<typeof fallthroughSchema>;

/** Accepts FeatBit's booleans both raw and as the strings `"true"`/`"false"` (webhook templates). */
export const featBitBoolean = z.union([z.boolean(), z.enum(['true', 'false']).transform((value) => value === 'true')]);

/**
 * What every shape of a flag (REST entity, SDK wire data, webhook object) carries: identity and the
 * complete evaluation configuration. Unknown fields are kept, never rejected.
 */
export const flagSchema = z.looseObject({
  id: z.string().min(1),
  key: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'flag keys use letters, digits, dot, underscore and dash'),
  name: z.string().default(''),
  description: z
    .string()
    .nullable()
    .default('')
    .transform((value) => value ?? ''),
  variationType: z.enum(VariationType),
  variations: z.array(variationSchema),
  targetUsers: z.array(targetUserSchema).default([]),
  rules: z.array(targetRuleSchema).default([]),
  isEnabled: featBitBoolean,
  disabledVariationId: z.string().min(1),
  fallthrough: fallthroughSchema,
  exptIncludeAllTargets: featBitBoolean.default(true),
  tags: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  isArchived: featBitBoolean.default(false),
});
export type FeatBitFlag = z.infer<typeof flagSchema>;

/** The REST API entity (`GET /api/v1/envs/{envId}/feature-flags/{key}`), with its optimistic-concurrency `revision`. */
export const restFlagSchema = flagSchema.extend({
  envId: z.string().min(1),
  revision: z.string().min(1),
  createdAt: z.string().optional(),
  updatedAt: z.string(),
  creatorId: z.string().optional(),
  updatorId: z.string().optional(),
});
export type RestFlag = z.infer<typeof restFlagSchema>;

/** A flag as the evaluation server sends it to server SDKs; `updatedAt` is its sync version. */
export const sdkFlagSchema = flagSchema.extend({
  envId: z.string().optional(),
  updatedAt: z.string(),
});
export type SdkFlag = z.infer<typeof sdkFlagSchema>;

/** `data.object` of a flag webhook: no revision, envId or timestamps. */
export const webhookFlagSchema = flagSchema;
export type WebhookFlag = z.infer<typeof webhookFlagSchema>;

/**
 * A flag document exactly as FeatBit returned it, checked only for what identifies it (and its revision when present).
 * FeatBit stores whatever its API accepts (PUT targeting has no validator, JSON Patch applies any document), so a
 * governed flag may fail `restFlagSchema`; the bridge still reads it, and judges it as an unknown shape.
 */
export const rawFlagSchema = z.looseObject({
  id: z.string().min(1),
  key: z.string(),
  revision: z.string().optional(),
});
export type RawFlag = z.infer<typeof rawFlagSchema>;
