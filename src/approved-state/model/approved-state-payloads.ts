import { z } from 'zod';
import { ConfigSurface } from '../../changes/model/index.js';
import { flagSchema, segmentSchema } from '../../featbit/model/index.js';

/**
 * An ApprovedFlagState as carried in a ledger entry: everything but `version`, which the projection takes from
 * the entry's seq (the appender cannot know it in advance).
 */
export const approvedFlagStatePayloadSchema = z.strictObject({
  envId: z.string().min(1),
  flagKey: z.string().min(1),
  flag: flagSchema,
  segments: z.array(segmentSchema).default([]),
  baselineVariationId: z.string().min(1),
  surface: z.enum(ConfigSurface),
  owner: z.string().min(1),
  changeKey: z.string().min(1).optional(),
  stageIndex: z.number().int().min(0).optional(),
  /** The break-glass use whose emergency configuration this is (never a reviewed state). */
  breakGlassId: z.string().min(1).max(80).optional(),
  approvedAt: z.iso.datetime({ offset: true }),
  approvedBy: z.string().min(1),
});

/**
 * `approved-state.set` (an approval, a stage, a rollback) and `flag.adopted` (an existing flag taken as baseline).
 * `reason` is why the actor accepted this state (required by the adopt API), kept so the audit trail shows it.
 */
export const approvedStatePayloadSchema = z.strictObject({
  state: approvedFlagStatePayloadSchema,
  reason: z.string().trim().min(1).max(10_000).optional(),
});
export type ApprovedStatePayload = z.infer<typeof approvedStatePayloadSchema>;
/** What an appender passes (before defaults). */
export type ApprovedStatePayloadInput = z.input<typeof approvedStatePayloadSchema>;
