import { z } from 'zod';
import { changeRecordSchema } from '../../change/index.js';
import { Permission } from '../../identity/index.js';
import {
  changeKeyParamsSchema,
  changeListQuerySchema,
  changeViewSchema,
  evidenceRequestSchema,
  reviewRequestSchema,
  type GovernanceWorkflow,
} from '../../workflow/index.js';
import { defineRoute, type RouteDefinition } from '../route-definition.js';

/** Change records, reviews and evidence. */
export function changeRoutes(workflow: GovernanceWorkflow): RouteDefinition[] {
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
      handler: ({ principal, params, body }) => workflow.submitReview(principal, params.key, body),
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
