import { Permission } from '../identity/index.js';
import {
  applyStageRequestSchema,
  changeKeyParamsSchema,
  changeViewSchema,
  reasonRequestSchema,
  resumeRequestSchema,
} from '../changes/index.js';
import { releaseStatusSchema } from './release-status.js';
import type { ReleaseWorkflow } from './release-workflow.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';

/** Release stages, hold, resume, rollback and the release status. */
export function releaseRoutes(workflow: ReleaseWorkflow): RouteDefinition[] {
  const releasePath = (action: string) => `/v1/changes/:key/release/${action}`;
  return [
    defineRoute({
      method: 'post',
      path: releasePath('apply-stage'),
      operationId: 'applyStage',
      summary:
        'Apply the next (or the named) stage of an approved change: featgate writes FeatBit and advances the approved state',
      tag: 'release',
      permission: Permission.ReleaseApply,
      params: changeKeyParamsSchema,
      body: applyStageRequestSchema,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.applyStage(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: releasePath('hold'),
      operationId: 'holdRelease',
      summary: 'Pause ramping; the applied stage stays',
      tag: 'release',
      permission: Permission.ReleaseHold,
      params: changeKeyParamsSchema,
      body: reasonRequestSchema,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.hold(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: releasePath('resume'),
      operationId: 'resumeRelease',
      summary: 'Resume a held release',
      tag: 'release',
      permission: Permission.ReleaseResume,
      params: changeKeyParamsSchema,
      body: resumeRequestSchema,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.resume(principal, params.key, body),
    }),
    defineRoute({
      method: 'post',
      path: releasePath('rollback'),
      operationId: 'rollbackRelease',
      summary: 'Write the baseline back to FeatBit and make it the approved state again',
      tag: 'release',
      permission: Permission.ReleaseRollback,
      params: changeKeyParamsSchema,
      body: reasonRequestSchema,
      response: changeViewSchema,
      handler: ({ principal, params, body }) => workflow.rollback(principal, params.key, body),
    }),
    defineRoute({
      method: 'get',
      path: '/v1/changes/:key/release',
      operationId: 'releaseStatus',
      summary:
        'Where a release is: the applied and the next stage, what the next one waits for, and what FeatBit serves for each flag now',
      tag: 'release',
      permission: Permission.ChangeRead,
      params: changeKeyParamsSchema,
      response: releaseStatusSchema,
      handler: ({ params }) => workflow.releaseStatus(params.key),
    }),
  ];
}
