import { z } from 'zod';
import { sandboxConditionSchema } from './sandbox-flag.js';

/**
 * A segment exactly as FeatBit 5.4.2 stores it (`BE Domain/Segments/Segment.cs`, `Domain/Targeting/MatchRule.cs`):
 * typed like the C# entity, nothing semantic checked. Strings and lists may be null; a rule's `conditions`
 * defaults to an empty list when left out (MatchRule's initializer) but may be null when sent as null.
 */

const netString = z.string({ error: 'System.String' }).nullable().default(null);
const netStrings = z
  .array(z.string({ error: 'System.String' }).nullable(), { error: 'System.String[]' })
  .nullable()
  .default(null);

/** `MatchRule`. */
export const sandboxMatchRuleSchema = z.object({
  id: netString,
  name: netString,
  conditions: z
    .array(sandboxConditionSchema, { error: 'System.Collections.Generic.ICollection' })
    .nullable()
    .default([]),
});
export type SandboxMatchRule = z.output<typeof sandboxMatchRuleSchema>;

/** `Segment`. */
export const sandboxSegmentSchema = z.object({
  id: z.string({ error: 'System.Guid' }),
  workspaceId: z.string({ error: 'System.Guid' }).default('00000000-0000-0000-0000-000000000000'),
  envId: z.string({ error: 'System.Guid' }),
  name: netString,
  key: netString,
  type: netString,
  scopes: netStrings,
  description: netString,
  included: netStrings,
  excluded: netStrings,
  rules: z.array(sandboxMatchRuleSchema, { error: 'System.Collections.Generic.ICollection' }).nullable().default(null),
  tags: netStrings,
  isArchived: z.boolean({ error: 'System.Boolean' }).default(false),
  createdAt: z.string({ error: 'System.DateTime' }),
  updatedAt: z.string({ error: 'System.DateTime' }),
});

/** A stored segment: whatever FeatBit's API accepted. Never assume it fits featgate's `FeatBitSegment`. */
export type SandboxSegment = z.output<typeof sandboxSegmentSchema>;

/** `Segments/UpdateTargetingPayload`: `included`, `excluded`, `rules` default to empty lists, may be sent as null. */
export const sandboxSegmentTargetingSchema = z.object({
  included: netStrings.default([]),
  excluded: netStrings.default([]),
  rules: z.array(sandboxMatchRuleSchema, { error: 'System.Collections.Generic.ICollection' }).nullable().default([]),
  comment: z
    .string({ error: 'System.String' })
    .nullable()
    .optional()
    .transform((value) => value ?? ''),
});
