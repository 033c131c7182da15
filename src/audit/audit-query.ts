import { z } from 'zod';

/** Filters of an audit query. */
export const auditQuerySchema = z.strictObject({
  change: z.string().min(1).optional(),
  /** `<envId>/<flagKey>`, or a bare flag key for any environment. */
  flag: z.string().min(1).optional(),
  actor: z.string().min(1).optional(),
  type: z.string().min(1).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  afterSeq: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type AuditQuery = z.infer<typeof auditQuerySchema>;
