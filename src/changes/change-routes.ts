import { z } from 'zod';
import { changeRecordSchema } from './model/index.js';
import { ValidationError } from '../errors/index.js';
import { Permission } from '../identity/index.js';
import {
  changeKeyParamsSchema,
  changeListQuerySchema,
  evidenceRequestSchema,
  reasonRequestSchema,
  reviewRequestSchema,
  type ReviewRequest,
} from './request-schemas.js';
import { changeViewSchema } from './change-view.js';
import { policyExplanationSchema } from './policy-explanation.js';
import type { AuditWorkflow } from '../audit/index.js';
import type { ChangeWorkflow } from './change-workflow.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';

/** The entries about one change as its timeline shows them. */
export const changeTimelineSchema = z.object({
  entries: z.array(z.object({ seq: z.number().int(), at: z.string(), type: z.string(), actor: z.string() })),
});
/**
 * The revision a review names: its body's `revision`, else an `If-Match` header (`3`, `"3"` or `W/"3"`); a header
 * that is not a revision is a 400, and one that disagrees with the body too.
 */
function withIfMatch(body: ReviewRequest, header: string | undefined): ReviewRequest {
  if (header === undefined) return body;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match)
    throw new ValidationError([
      { path: 'headers.if-match', message: 'expected the record revision the review is about, e.g. "3"' },
    ]);
  const revision = Number(match[1]);
  if (body.revision !== undefined && body.revision !== revision) {
    throw new ValidationError([
      { path: 'revision', message: `the body names revision ${body.revision}, If-Match names ${revision}` },
    ]);
  }
  return { ...body, revision };
}

/** Change records, reviews and evidence. */
export function changeRoutes(workflow: ChangeWorkflow & Pick<AuditWorkflow, 'queryAudit'>): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/changes',
      operationId: 'createChange',
      summary: 'Open a change record (JSON or YAML); the requester is the caller',
      tag: 'changes',
      permission: Permission.ChangeCreate,
      body: changeRecordSchema,
      acceptsYaml: true,
      response: changeViewSchema,
      successStatus: 201,
      handler: ({ principal, body }) => workflow.createChange(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes',
      operationId: 'listChanges',
      summary: 'List change records by status, tier, flag, owner, or waiting on the caller',
      tag: 'changes',
      permission: Permission.ChangeRead,
      query: changeListQuerySchema,
      response: z.object({ items: z.array(changeViewSchema) }),
      handler: async ({ principal, query }) => ({ items: await workflow.listChanges(principal, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes/:key',
      operationId: 'getChange',
      summary: 'Read a change record with its reviews, evidence, decision and release progress',
      tag: 'changes',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: changeViewSchema,
      handler: ({ params }) => workflow.getChange(params.key),
    }),
    defineRoute({
      method: 'put',
      path: '/v1/changes/:key',
      operationId: 'editChange',
      summary: 'Replace a change record; an edit after any review resets every approval',
      tag: 'changes',
      permission: Permission.ChangeEdit,
      params: changeKeyParamsSchema,
      body: changeRecordSchema,
      acceptsYaml: true,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.editChange(principal, params.key, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes/:key/timeline',
      operationId: 'changeTimeline',
      summary: 'Every ledger entry about a change, oldest first: when, what and who (payloads stay behind audit:read)',
      tag: 'changes',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: changeTimelineSchema,
      handler: async ({ params }) => {
        await workflow.getChange(params.key);
        const entries = await workflow.queryAudit({ change: params.key, afterSeq: 0, limit: 1000 });
        return {
          entries: entries.map((entry) => ({ seq: entry.seq, at: entry.at, type: entry.type, actor: entry.actor.id })),
        };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/v1/changes/:key/reviews',
      operationId: 'submitReview',
      summary: "Approve or reject; the policy's decision says what is still missing",
      tag: 'reviews',
      permission: Permission.ReviewSubmit,
      params: changeKeyParamsSchema,
      body: reviewRequestSchema,
      response: changeViewSchema,
      successStatus: 201,
      handler: ({ principal, params, body, request }) =>
        workflow.submitReview(principal, params.key, withIfMatch(body, request.headers['if-match'])),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/changes/:key/withdraw',
      operationId: 'withdrawChange',
      summary: 'Withdraw a change that is not released yet (its requester or an admin)',
      tag: 'changes',
      permission: Permission.ChangeEdit,
      params: changeKeyParamsSchema,
      body: reasonRequestSchema,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.withdrawChange(principal, params.key, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes/:key/policy',
      operationId: 'explainChange',
      summary:
        'Every value the change can write classified, each rule that fired, the evidence checks and who may still approve',
      tag: 'changes',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: policyExplanationSchema,
      handler: ({ params }) => workflow.explainChange(params.key),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/changes/:key/evidence',
      operationId: 'attachEvidence',
      summary: 'Attach evidence (type, link, summary, result), shown against what the tier requires',
      tag: 'evidence',
      permission: Permission.EvidenceAttach,
      params: changeKeyParamsSchema,
      body: evidenceRequestSchema,
      response: changeViewSchema,
      successStatus: 201,
      handler: ({ principal, params, body }) => workflow.attachEvidence(principal, params.key, body),
    }),
  ];
}
