import { z } from 'zod';
import { Permission } from '../../src/identity/index.js';
import { defineRoute, type RouteDefinition } from '../../src/server/route-definition.js';
import { reconcileJobSchema } from '../queue/reconcile-job.js';
import type { ReconcileQueue } from '../queue/reconcile-queue.js';

/** A reconcile job that exhausted its retries, as the jobs API lists it. */
export const failedJobResponse = z.object({
  id: z.string(),
  key: z.string(),
  job: reconcileJobSchema,
  attemptsMade: z.number().int(),
  failedReason: z.string(),
  failedAt: z.string(),
});

const countsResponse = z.object({
  waiting: z.number().int(),
  active: z.number().int(),
  delayed: z.number().int(),
  failed: z.number().int(),
});

/**
 * The webhook bridge's job queue: sizes and the failed jobs (kept until retried, never dropped), and retrying one.
 * Listing needs `audit:read`; retrying re-queues convergence of FeatBit state, an admin act like adoption, so it
 * needs `flag:adopt`.
 */
export function jobRoutes(queue: ReconcileQueue): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/jobs',
      operationId: 'listJobs',
      summary: 'Reconcile queue sizes and the jobs that exhausted their retries',
      tag: 'jobs',
      permission: Permission.AuditRead,
      query: z.strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) }),
      response: z.object({ counts: countsResponse, failed: z.array(failedJobResponse) }),
      handler: async ({ query }) => ({ counts: await queue.counts(), failed: await queue.listFailed(query.limit) }),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/jobs/:id/retry',
      operationId: 'retryJob',
      summary: 'Queue a failed reconcile job again',
      tag: 'jobs',
      permission: Permission.FlagAdopt,
      params: z.strictObject({ id: z.string().min(1).max(200) }),
      response: z.object({ jobId: z.string(), coalesced: z.boolean() }),
      successStatus: 202,
      handler: ({ params }) => queue.retryFailed(params.id),
    }),
  ];
}
