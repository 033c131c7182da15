import { Router, type Request } from 'express';
import { z } from 'zod';
import { segmentRuleSchema } from '../../featbit/model/index.js';
import { SandboxHttpError, sendOk } from '../api-envelope.js';
import type { SandboxStore } from '../sandbox-store.js';
import { SEGMENT_CONDITION_PROPERTIES } from '../webhooks/index.js';
import { SANDBOX_PROJECT_KEY } from '../sandbox-identity.js';
import { itemResourceName, SandboxPermission } from '../sandbox-permissions.js';
import { compareSegments } from '../webhooks/index.js';
import { page, parseBody, queryBoolean, requestToken } from './request-context.js';
import { demandPermissions, guidRouteValue, requirePermission, segmentTargetingPermissions } from './route-authorization.js';

const comment = z.string().nullable().optional().transform((value) => value ?? '');
const targetingBody = z.object({
  included: z.array(z.string()).nullable().default([]).transform((v) => v ?? []),
  excluded: z.array(z.string()).nullable().default([]).transform((v) => v ?? []),
  rules: z.array(segmentRuleSchema).default([]),
  comment,
});

/**
 * `SegmentController`'s access-token endpoints under `/api/v1/envs/:envId/segments`: `{segmentId:guid}` routes,
 * `CanAccessEnv` for reads, per-action permissions for writes (targeting by the parts that changed), archive
 * refused while a flag references the segment.
 */
export function segmentRoutes(store: SandboxStore): Router {
  const router = Router({ mergeParams: true });
  const env = (req: Request) => String(req.params['envId']);
  const id = (req: Request) => String(req.params['segmentId']);
  const can = (permission: SandboxPermission) => requirePermission(store, permission);

  router.get('/all-tags', can(SandboxPermission.CanAccessEnv), (req, res) => sendOk(res, [...new Set(store.listSegments(env(req)).flatMap((s) => s.tags ?? []))]));
  router.get('/is-key-used', (_req, res) => res.status(403).end());
  router.use('/:segmentId', guidRouteValue('segmentId'));

  router.get('/', can(SandboxPermission.CanAccessEnv), (req, res) => {
    const name = typeof req.query['name'] === 'string' ? req.query['name'].toLowerCase() : '';
    const isArchived = queryBoolean(req.query['isArchived']) ?? false;
    const segments = store.listSegments(env(req)).filter((s) => s.isArchived === isArchived && (!name || s.name.toLowerCase().includes(name)));
    sendOk(res, page(segments, req.query));
  });

  router.get('/:segmentId', can(SandboxPermission.CanAccessEnv), (req, res) => sendOk(res, store.getSegment(env(req), id(req))));

  router.get('/:segmentId/flag-references', can(SandboxPermission.CanAccessEnv), (req, res) => sendOk(res, store.flagReferences(env(req), store.getSegment(env(req), id(req)).id)));

  router.put('/:segmentId/targeting', (req, res) => {
    const body = parseBody(targetingBody, req.body);
    if (body.rules.some((rule) => rule.conditions.some((condition) => SEGMENT_CONDITION_PROPERTIES.includes(condition.property)))) {
      throw new SandboxHttpError(400, ['rules_is_invalid']);
    }
    const previous = store.getSegment(env(req), id(req));
    const next = { ...previous, included: body.included, excluded: body.excluded, rules: body.rules };
    const required = segmentTargetingPermissions(compareSegments(previous, next));
    if (required.length > 0) {
      const environment = store.environment(previous.envId);
      demandPermissions(res, itemResourceName(SANDBOX_PROJECT_KEY, environment.key, 'segment', previous.key, previous.tags ?? []), required);
    }
    store.writeSegment(env(req), id(req), requestToken(res), () => next, { comment: body.comment, targetingChange: true });
    sendOk(res, true);
  });

  // `ArchiveSegment.cs`: 422 `SegmentIsBeingUsed` while a flag references it; otherwise it always writes.
  router.put('/:segmentId/archive', can(SandboxPermission.ArchiveSegment), (req, res) => {
    const segment = store.getSegment(env(req), id(req));
    if (store.flagReferences(env(req), segment.id).length > 0) throw new SandboxHttpError(422, ['SegmentIsBeingUsed']);
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, isArchived: true }), { operation: 'Archive' });
    sendOk(res, true);
  });

  router.put('/:segmentId/restore', can(SandboxPermission.RestoreSegment), (req, res) => {
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, isArchived: false }), { operation: 'Restore' });
    sendOk(res, true);
  });

  return router;
}
