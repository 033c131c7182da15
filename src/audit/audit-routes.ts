import { z } from 'zod';
import { Permission } from '../identity/index.js';
import { auditQuerySchema } from './audit-query.js';
import type { AuditWorkflow } from './audit-workflow.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';

const actorSchema = z.object({ id: z.string(), kind: z.string(), roles: z.array(z.string()).optional() });

/** One ledger entry as the audit API returns it. */
export const ledgerEntryResponse = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  actor: actorSchema,
  subject: z.string(),
  data: z.record(z.string(), z.unknown()),
  prevHash: z.string(),
  hash: z.string(),
});

/** Audit query and verification. */
export function auditRoutes(workflow: AuditWorkflow): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/audit',
      operationId: 'queryAudit',
      summary:
        'Ledger entries by change, flag, actor, type and time, one bounded page at a time (continue with afterSeq=nextAfterSeq)',
      tag: 'audit',
      permission: Permission.AuditRead,
      query: auditQuerySchema,
      response: z.object({ entries: z.array(ledgerEntryResponse), nextAfterSeq: z.number().int().nullable() }),
      handler: ({ query }) => workflow.auditPage(query),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/audit/verify',
      operationId: 'verifyAudit',
      summary: 'Recompute every hash and link of the ledger',
      tag: 'audit',
      permission: Permission.AuditVerify,
      response: z.union([
        z.object({ ok: z.literal(true), entries: z.number().int(), head: z.string(), tornTail: z.boolean() }),
        z.object({
          ok: z.literal(false),
          entries: z.number().int(),
          problem: z.object({ seq: z.number().int(), kind: z.string(), detail: z.string() }),
        }),
      ]),
      handler: () => workflow.verifyAudit(),
    }),
  ];
}
