import { z } from 'zod';
import { activityItemSchema, activityOf } from './change-activity.js';
import { changeActions } from './console-actions.js';
import { inboxOf, inboxQuerySchema, inboxSchema } from './inbox-items.js';
import { Permission } from '../identity/index.js';
import { LedgerEventType } from '../ledger/index.js';
import { changeKeyParamsSchema } from '../changes/index.js';
import type { AuditWorkflow } from '../audit/index.js';
import type { ChangeWorkflow } from '../changes/index.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';

const actionStateSchema = z.object({ allowed: z.boolean(), reason: z.string().nullable() });

/** Most entries one change's timeline shows (a change has tens; signals can add more). */
const ACTIVITY_LIMIT = 1000;

/**
 * Read routes the reviewer console needs beyond the governance API: who the caller is, the inbox in one bounded
 * answer, what the caller may do with a change (and why not), and a change's history in words. They only read;
 * every decision the console offers goes through the governance API's own routes.
 */
export function consoleRoutes(
  workflow: Pick<ChangeWorkflow, 'listChanges' | 'getChange' | 'refusals'> & Pick<AuditWorkflow, 'queryAudit'>,
): RouteDefinition[] {
  return [
    defineRoute({
      method: 'get',
      path: '/v1/console/me',
      operationId: 'consoleMe',
      summary: 'The caller as the console shows them: id, roles and permissions',
      tag: 'console',
      permission: Permission.ChangeRead,
      response: z.object({
        id: z.string(),
        kind: z.string(),
        via: z.string(),
        roles: z.array(z.string()),
        permissions: z.array(z.string()),
      }),
      handler: async ({ principal }) => ({
        id: principal.id,
        kind: principal.kind,
        via: principal.via,
        roles: [...principal.roles],
        permissions: [...principal.permissions].sort(),
      }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/console/inbox',
      operationId: 'consoleInbox',
      summary:
        'Inbox rows (no values) by status, tier, flag, owner, environment or waiting on the caller, with counts by status',
      tag: 'console',
      permission: Permission.ChangeRead,
      query: inboxQuerySchema,
      response: inboxSchema,
      handler: async ({ principal, query }) => {
        const [all, waiting] = await Promise.all([
          workflow.listChanges(principal, {}),
          workflow.listChanges(principal, { waitingOnMe: 'true' }),
        ]);
        return inboxOf(all, new Set(waiting.map((view) => view.key)), query);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/console/changes/:key/actions',
      operationId: 'consoleChangeActions',
      summary: 'What the caller may do with a change now, each refusal in the words the API would answer it with',
      tag: 'console',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: z.object({
        version: z.number().int(),
        review: actionStateSchema,
        attachEvidence: actionStateSchema,
        withdraw: actionStateSchema,
        applyStage: actionStateSchema,
        hold: actionStateSchema,
        resume: actionStateSchema,
        rollback: actionStateSchema,
      }),
      handler: async ({ principal, params }) => {
        const view = await workflow.getChange(params.key);
        return {
          version: view.version,
          ...changeActions(view, principal, await workflow.refusals(principal, params.key)),
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/v1/console/changes/:key/activity',
      operationId: 'consoleChangeActivity',
      summary: "A change's history in words (actor, time, what happened), oldest first",
      tag: 'console',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: z.object({ items: z.array(activityItemSchema) }),
      handler: async ({ params }) => {
        await workflow.getChange(params.key);
        const entries = await workflow.queryAudit({ change: params.key, afterSeq: 0, limit: ACTIVITY_LIMIT });
        const opened = entries.find((entry) => entry.type === LedgerEventType.ProposalOpened);
        const flag = opened ? `${String(opened.data.envId)}/${String(opened.data.flagKey)}` : undefined;
        const intercepted = flag
          ? (
              await workflow.queryAudit({
                flag,
                type: LedgerEventType.EditIntercepted,
                afterSeq: 0,
                limit: ACTIVITY_LIMIT,
              })
            ).findLast((entry) => entry.data.proposal === params.key)
          : undefined;
        return { items: activityOf(entries, intercepted) };
      },
    }),
  ];
}
