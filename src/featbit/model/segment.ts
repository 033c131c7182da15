import { SegmentConditionProperty } from '@featgate/openfeature/evaluator';
import { z } from 'zod';
import { conditionSchema, featBitBoolean } from './flag.js';

/** Property names FeatBit uses for segment conditions; the evaluator's model (in the provider package) owns the enum. */
export { SegmentConditionProperty };

/** A segment rule: all conditions must match. Segment rules cannot reference other segments. */
export const segmentRuleSchema = z.looseObject({
  id: z.string().default(''),
  name: z.string().default(''),
  conditions: z.array(conditionSchema),
});
export type SegmentRule = z.infer<typeof segmentRuleSchema>;

/** A segment in any of its shapes; excluded keys win over included keys, which win over rules. */
export const segmentSchema = z.looseObject({
  id: z.string().min(1),
  envId: z.string().optional(),
  key: z.string().optional(),
  name: z.string().default(''),
  description: z
    .string()
    .nullable()
    .default('')
    .transform((value) => value ?? ''),
  included: z.array(z.string()).default([]),
  excluded: z.array(z.string()).default([]),
  rules: z.array(segmentRuleSchema).default([]),
  tags: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  isArchived: featBitBoolean.default(false),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type FeatBitSegment = z.infer<typeof segmentSchema>;
