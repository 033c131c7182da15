import { z } from 'zod';
import { ConfigSurface } from '../changes/model/index.js';
import { flagSchema, segmentSchema } from '../featbit/model/index.js';

/** An approved flag state as the API returns it (see ApprovedFlagState). */
export const ApprovedFlagStateResponse = z.object({
  envId: z.string(),
  flagKey: z.string(),
  flag: flagSchema,
  segments: z.array(segmentSchema),
  baselineVariationId: z.string(),
  surface: z.enum(ConfigSurface),
  owner: z.string(),
  changeKey: z.string().optional(),
  stageIndex: z.number().int().optional(),
  approvedAt: z.string(),
  approvedBy: z.string(),
  version: z.number().int(),
});
