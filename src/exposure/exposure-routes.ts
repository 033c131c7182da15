import { z } from 'zod';
import {
  breakGlassIdParamsSchema,
  breakGlassRequestSchema,
  postReviewRequestSchema,
} from './break-glass/break-glass-request.js';
import { breakGlassViewSchema } from './break-glass/break-glass-view.js';
import { guardrailStatusSchema, signalsRequestSchema, signalsResultSchema } from './guardrails/signals-request.js';
import { reviewDueListSchema, reviewDueQuerySchema } from './review-due/review-due-items.js';
import {
  telemetryParamsSchema,
  telemetryRequestSchema,
  telemetryResultSchema,
} from './guardrails/telemetry-request.js';
import type { ExposureService } from './exposure-service.js';
import { Permission } from '../identity/index.js';
import { changeKeyParamsSchema, reasonRequestSchema } from '../changes/index.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';

/** Guardrail signals, break-glass and review dates (staged exposure). */
export function exposureRoutes(exposure: ExposureService): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/changes/:key/signals',
      operationId: 'recordSignals',
      summary:
        'Report guardrail metric values for an exposed change; a breach holds the ramp or rolls it back as the plan says',
      tag: 'guardrails',
      permission: Permission.SignalRecord,
      params: changeKeyParamsSchema,
      body: signalsRequestSchema,
      response: signalsResultSchema,
      successStatus: 201,
      handler: ({ principal, params, body }) => exposure.guardrails.recordSignals(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/envs/:env/telemetry',
      operationId: 'recordTelemetry',
      summary:
        "Report an application's per-flag, per-variation telemetry aggregates (the OpenFeature telemetry hook's batches); comparative guardrails compare candidate with baseline and hold, roll back or let the ramp advance",
      tag: 'guardrails',
      permission: Permission.SignalRecord,
      params: telemetryParamsSchema,
      body: telemetryRequestSchema,
      response: telemetryResultSchema,
      handler: ({ principal, params, body }) => exposure.guardrails.recordTelemetry(principal, params.env, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes/:key/guardrails',
      operationId: 'guardrailStatus',
      summary:
        'Each holdIf condition of a change with its latest value (healthy, breached or no data), and each comparison of candidate with baseline with its numbers',
      tag: 'guardrails',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: guardrailStatusSchema,
      handler: ({ params }) => exposure.guardrails.status(params.key),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/break-glass',
      operationId: 'breakGlass',
      summary:
        'Apply an emergency change without approval (policy roles, incident reference, maximum duration); it expires unless post-approved',
      tag: 'break-glass',
      permission: Permission.BreakGlassUse,
      body: breakGlassRequestSchema,
      response: breakGlassViewSchema,
      successStatus: 201,
      handler: ({ principal, body }) => exposure.breakGlass.use(principal, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/break-glass',
      operationId: 'listBreakGlass',
      summary: 'Every break-glass use with its status and post-review, newest first',
      tag: 'break-glass',
      permission: Permission.ChangeRead,
      response: z.object({ items: z.array(breakGlassViewSchema) }),
      handler: async () => ({ items: await exposure.breakGlass.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/break-glass/:id',
      operationId: 'getBreakGlass',
      summary: 'One break-glass use',
      tag: 'break-glass',
      permission: Permission.ChangeRead,
      params: breakGlassIdParamsSchema,
      response: breakGlassViewSchema,
      handler: ({ params }) => exposure.breakGlass.get(params.id),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/break-glass/:id/reviews',
      operationId: 'postReviewBreakGlass',
      summary:
        'Post-review an emergency change; a concluded post-review (approved or rejected) ends it and restores the pre-incident approved state',
      tag: 'break-glass',
      permission: Permission.BreakGlassReview,
      params: breakGlassIdParamsSchema,
      body: postReviewRequestSchema,
      response: breakGlassViewSchema,
      successStatus: 201,
      handler: ({ principal, params, body }) => exposure.breakGlass.review(principal, params.id, body),
    }),
    defineRoute({
      method: 'post',
      path: '/v1/break-glass/:id/end',
      operationId: 'endBreakGlass',
      summary:
        'End an active emergency change by hand (break-glass or post-review roles, admins); the pre-incident approved state comes back',
      tag: 'break-glass',
      // Coarse gate only: the service checks the policy's break-glass and post-review roles.
      permission: Permission.ChangeRead,
      params: breakGlassIdParamsSchema,
      body: reasonRequestSchema,
      response: breakGlassViewSchema,
      handler: ({ principal, params, body }) => exposure.breakGlass.end(principal, params.id, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/review-due',
      operationId: 'listReviewDue',
      summary:
        'Changes, temporary flags and break-glass post-reviews past (or, with upcoming=true, near) their review date',
      tag: 'review-dates',
      permission: Permission.ChangeRead,
      query: reviewDueQuerySchema,
      response: reviewDueListSchema,
      handler: ({ query }) =>
        exposure.reviewDue.list(query.asOf ? new Date(query.asOf) : undefined, query.upcoming === 'true'),
    }),
  ];
}
