import { z } from 'zod';
import { sdkFlagSchema } from './flag.js';
import { segmentSchema } from './segment.js';

/**
 * The evaluation server's data-sync message (`GET /api/public/sdk/server/latest-all`, streaming `full`/`patch`),
 * also the JSON bootstrap format of the Node SDK.
 */
export const sdkDataSyncSchema = z.looseObject({
  messageType: z.literal('data-sync'),
  data: z.looseObject({
    eventType: z.enum(['full', 'patch']),
    featureFlags: z.array(sdkFlagSchema).default([]),
    segments: z.array(segmentSchema.extend({ updatedAt: z.string() })).default([]),
  }),
});
export type SdkDataSync = z.infer<typeof sdkDataSyncSchema>;
