import { z } from 'zod';

/**
 * A flag exactly as FeatBit 5.4.2 stores it: the shape of its C# entity (`Domain/FeatureFlags/FeatureFlag.cs`,
 * `Variation.cs`, `RolloutVariation.cs`, `Fallthrough.cs`, `Domain/Targeting/*`), not featgate's model. FeatBit
 * checks types only (System.Text.Json with `JsonSerializerDefaults.Web`), never meaning: strings and collections
 * may be null, a rollout is any list of doubles, a key or variation type any string. Missing members take .NET's
 * defaults (null, false, 0), unknown members are dropped. The schema has a fixed depth, so no input can make it
 * recurse without bound.
 */

/** A .NET `string` member: a JSON string or null; missing is null. */
const netString = z.string({ error: 'System.String' }).nullable().default(null);

/** A .NET `bool` member: only JSON booleans bind; missing is false. */
const netBool = z.boolean({ error: 'System.Boolean' }).default(false);

/** A .NET `double` under `JsonSerializerDefaults.Web` (`AllowReadingFromString`): a number or a numeric string; missing is 0. */
const netDouble = z
  .union(
    [
      z.number(),
      z
        .string()
        .regex(/^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?\s*$/)
        .transform(Number),
    ],
    { error: 'System.Double' },
  )
  .default(0);

/** A .NET collection member: a JSON array or null; missing is null. */
const netList = <T extends z.ZodType>(item: T) =>
  z.array(item, { error: 'System.Collections.Generic.ICollection' }).nullable().default(null);

/** `Variation`: id, name and value, each possibly null. */
export const sandboxVariationSchema = z.object({ id: netString, name: netString, value: netString });

/** `RolloutVariation`: any list of doubles as the range. */
export const sandboxRolloutVariationSchema = z.object({
  id: netString,
  rollout: netList(netDouble.unwrap()),
  exptRollout: netDouble,
});

/** `Condition`: property, op and value, each possibly null. */
export const sandboxConditionSchema = z.object({ id: netString, property: netString, op: netString, value: netString });

/** `TargetUser`: key ids (elements may be null) and a variation id. */
export const sandboxTargetUserSchema = z.object({ keyIds: netList(z.string().nullable()), variationId: netString });

/** `TargetRule`. */
export const sandboxTargetRuleSchema = z.object({
  id: netString,
  name: netString,
  dispatchKey: netString,
  includedInExpt: netBool,
  conditions: netList(sandboxConditionSchema),
  variations: netList(sandboxRolloutVariationSchema),
});

/** `Fallthrough` (the default rule). */
export const sandboxFallthroughSchema = z.object({
  dispatchKey: netString,
  includedInExpt: netBool,
  variations: netList(sandboxRolloutVariationSchema),
});

/** `FlagTargeting`, the `targeting` of `PUT …/targeting`; `exptIncludeAllTargets` defaults to true there. */
export const sandboxTargetingSchema = z.object({
  targetUsers: netList(sandboxTargetUserSchema),
  rules: netList(sandboxTargetRuleSchema),
  fallthrough: sandboxFallthroughSchema.nullable().default(null),
  exptIncludeAllTargets: z.boolean({ error: 'System.Boolean' }).default(true),
});
export type SandboxTargeting = z.output<typeof sandboxTargetingSchema>;

/** `FeatureFlag` with its audited-entity members. */
export const sandboxFlagSchema = z.object({
  id: z.string({ error: 'System.Guid' }),
  envId: z.string({ error: 'System.Guid' }),
  revision: z.string({ error: 'System.Guid' }),
  name: netString,
  description: netString,
  key: netString,
  variationType: netString,
  variations: netList(sandboxVariationSchema),
  targetUsers: netList(sandboxTargetUserSchema),
  rules: netList(sandboxTargetRuleSchema),
  isEnabled: netBool,
  disabledVariationId: netString,
  fallthrough: sandboxFallthroughSchema.nullable().default(null),
  exptIncludeAllTargets: netBool,
  tags: netList(z.string().nullable()),
  isArchived: netBool,
  createdAt: z.string({ error: 'System.DateTime' }),
  updatedAt: z.string({ error: 'System.DateTime' }),
  creatorId: z.string({ error: 'System.Guid' }).default('00000000-0000-0000-0000-000000000000'),
  updatorId: z.string({ error: 'System.Guid' }).default('00000000-0000-0000-0000-000000000000'),
});

/** A stored flag: whatever FeatBit's API accepted. Never assume it fits featgate's `RestFlag`. */
export type SandboxFlag = z.output<typeof sandboxFlagSchema>;

/** The members of `FeatureFlag` a JSON Patch may name (camelCase, as `JsonSerializerDefaults.Web` writes them). */
export const SANDBOX_FLAG_MEMBERS: readonly string[] = Object.keys(sandboxFlagSchema.shape);

/** The strict twin of a schema: the same members, but an unknown member is an error (JSON Patch paths must exist). */
export function strictly(schema: z.ZodType): z.ZodType {
  if (schema instanceof z.ZodDefault)
    return strictly(schema.unwrap() as z.ZodType).default(schema.def.defaultValue as never);
  if (schema instanceof z.ZodNullable) return strictly(schema.unwrap() as z.ZodType).nullable();
  if (schema instanceof z.ZodArray) return z.array(strictly(schema.element as z.ZodType));
  if (schema instanceof z.ZodObject) {
    return z.strictObject(
      Object.fromEntries(
        Object.entries(schema.shape as Record<string, z.ZodType>).map(([key, member]) => [key, strictly(member)]),
      ),
    );
  }
  return schema;
}

/** `sandboxFlagSchema` refusing unknown members at every depth: what a patched entity must still be. */
export const strictSandboxFlagSchema = strictly(sandboxFlagSchema) as typeof sandboxFlagSchema;

/** The default FeatBit gives a member a JSON Patch `remove`s: false for a bool, 0 for a double, null otherwise. */
export function removedMemberDefault(current: unknown): unknown {
  if (typeof current === 'boolean') return false;
  if (typeof current === 'number') return 0;
  return null;
}
