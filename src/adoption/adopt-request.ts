import { z } from 'zod';
import { ConfigSurface } from '../changes/model/index.js';

/** Body of an adoption: which flag, and why its current FeatBit state is accepted as the approved baseline. */
export const adoptRequestSchema = z.strictObject({
  envId: z.string().min(1),
  flagKey: z.string().regex(/^[a-zA-Z0-9._-]+$/, 'flag keys use letters, digits, dot, underscore and dash'),
  reason: z.string().trim().min(1).max(10_000),
  surface: z.enum(ConfigSurface).optional(),
  owner: z.string().min(1).optional(),
  baselineVariationId: z.string().min(1).optional(),
});
export type AdoptRequest = z.infer<typeof adoptRequestSchema>;
