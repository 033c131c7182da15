import { Router, type Request } from 'express';
import { z } from 'zod';
import { SandboxHttpError, sendOk } from '../api-envelope.js';
import { applyEntityPatch, MalformedPatchError, readPatchDocument } from '../sandbox-flag-patch.js';
import { strictly } from '../sandbox-flag.js';
import { SANDBOX_PROJECT_KEY } from '../sandbox-identity.js';
import { itemResourceName, SandboxPermission } from '../sandbox-permissions.js';
import { sandboxSegmentSchema, sandboxSegmentTargetingSchema, type SandboxSegment } from '../sandbox-segment.js';
import { compareStoredSegments, type SandboxStore } from '../sandbox-store.js';
import { SEGMENT_CONDITION_PROPERTIES } from '../webhooks/index.js';
import { featBitFeatures, type FeatBitFeatures } from '../featbit-version.js';
import { bindBody } from './model-binding.js';
import { page, queryBoolean, requestToken } from './request-context.js';
import {
  demandPermissions,
  guidRouteValue,
  requirePermission,
  segmentTargetingPermissions,
} from './route-authorization.js';

const comment = z
  .string({ error: 'System.String' })
  .nullable()
  .optional()
  .transform((value) => value ?? '');
const nullableText = z.string({ error: 'System.String' }).nullable().optional();
const commentBody = z
  .looseObject({ comment })
  .nullable()
  .optional()
  .transform((value) => value ?? { comment: '' });
const isBlank = (value: string | null | undefined) => value === null || value === undefined || value.trim() === '';
const TARGETING_PATHS = ['/included', '/excluded', '/rules'];

const strictSegmentSchema = strictly(sandboxSegmentSchema);

/**
 * `SegmentController`'s access-token endpoints under `/api/v1/envs/:envId/segments`: `{segmentId:guid}` routes,
 * `CanAccessEnv` for reads, per-action permissions for writes (targeting by the parts that changed, PATCH by
 * authentication only), archive refused while a flag references the segment.
 */
export function segmentRoutes(store: SandboxStore, features: FeatBitFeatures = featBitFeatures()): Router {
  const router = Router({ mergeParams: true });
  const env = (req: Request) => String(req.params['envId']);
  const id = (req: Request) => String(req.params['segmentId']);
  const can = (permission: SandboxPermission) => requirePermission(store, permission);

  router.get('/all-tags', can(SandboxPermission.CanAccessEnv), (req, res) =>
    sendOk(res, [...new Set(store.rawSegments(env(req)).flatMap((s) => s.tags ?? []))]),
  );
  router.get('/is-key-used', (_req, res) => res.status(403).end());
  router.use('/:segmentId', guidRouteValue('segmentId'));

  router.get('/', can(SandboxPermission.CanAccessEnv), (req, res) => {
    const name = typeof req.query['name'] === 'string' ? req.query['name'].toLowerCase() : '';
    const isArchived = queryBoolean(req.query['isArchived']) ?? false;
    const segments = store
      .rawSegments(env(req))
      .filter((s) => s.isArchived === isArchived && (!name || (s.name ?? '').toLowerCase().includes(name)));
    sendOk(res, page(segments, req.query));
  });

  router.get('/:segmentId', can(SandboxPermission.CanAccessEnv), (req, res) =>
    sendOk(res, store.locateSegment(id(req))),
  );

  router.get('/:segmentId/flag-references', can(SandboxPermission.CanAccessEnv), (req, res) =>
    sendOk(res, store.flagReferences(env(req), store.rawSegment(env(req), id(req)).id)),
  );

  /**
   * `Segments/UpdateTargeting.cs`: no `[Authorize]`; the validator refuses segment conditions (and throws, 500, on
   * null rules or conditions); then 404; then the permissions of the parts SegmentComparer sees changed.
   */
  router.put(
    '/:segmentId/targeting',
    (req, res, next) => (features.targetingByAccessToken ? next() : void res.status(403).end()),
    (req, res) => {
      const body = bindBody(sandboxSegmentTargetingSchema, req.body, 'payload');
      if (body.rules === null || body.rules.some((rule) => rule.conditions === null))
        throw new Error('Value cannot be null. (Parameter source)');
      if (
        body.rules.some((rule) =>
          rule.conditions!.some((condition) => SEGMENT_CONDITION_PROPERTIES.includes(condition.property ?? '')),
        )
      ) {
        throw new SandboxHttpError(400, ['rules_is_invalid']);
      }
      const previous = store.locateSegment(id(req));
      const next: SandboxSegment = {
        ...previous,
        included: body.included ?? [],
        excluded: body.excluded ?? [],
        rules: body.rules,
      };
      const instructions = compareStoredSegments(previous, next);
      if (instructions === undefined) throw new Error('SegmentComparer failed on the new targeting');
      const required = segmentTargetingPermissions(instructions);
      if (required.length > 0) {
        const environment = store.environment(previous.envId);
        demandPermissions(
          res,
          itemResourceName(SANDBOX_PROJECT_KEY, environment.key, 'segment', previous.key, previous.tags),
          required,
        );
      }
      store.writeSegment(previous.envId, previous.id, requestToken(res), () => next, {
        comment: body.comment,
        targetingChange: true,
      });
      sendOk(res, true);
    },
  );

  router.put('/:segmentId/name', can(SandboxPermission.UpdateSegmentName), (req, res) => {
    const body = bindBody(z.object({ name: nullableText, comment }), req.body, 'request');
    if (isBlank(body.name)) throw new SandboxHttpError(400, ['name_is_required']);
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, name: body.name! }), {
      comment: body.comment,
    });
    sendOk(res, true);
  });

  router.put('/:segmentId/description', can(SandboxPermission.UpdateSegmentDescription), (req, res) => {
    const body = bindBody(z.object({ description: nullableText, comment }), req.body, 'request');
    store.writeSegment(
      env(req),
      id(req),
      requestToken(res),
      (draft) => ({ ...draft, description: body.description ?? null }),
      { comment: body.comment },
    );
    sendOk(res, true);
  });

  router.put('/:segmentId/tags', can(SandboxPermission.UpdateSegmentTags), (req, res) => {
    const body = bindBody(
      z.object({
        tags: z
          .array(z.string({ error: 'System.String' }))
          .nullable()
          .optional()
          .transform((v) => v ?? []),
        comment,
      }),
      req.body,
      'request',
    );
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, tags: body.tags }), {
      comment: body.comment,
    });
    sendOk(res, true);
  });

  /** `PatchSegment.cs`: authentication only; a targeting path marks the change as a targeting change. */
  router.patch('/:segmentId', (req, res) => {
    let operations;
    try {
      operations = readPatchDocument(req.body);
    } catch (error) {
      if (error instanceof MalformedPatchError) throw new SandboxHttpError(500, ['InternalServerError']);
      throw error;
    }
    const previous = store.locateSegment(id(req));
    const outcome = applyEntityPatch(previous, operations, strictSegmentSchema);
    if (!outcome.ok) {
      res.status(200).json({ success: false, errors: [outcome.error], data: false });
      return;
    }
    const patched = outcome.entity as SandboxSegment;
    if (patched.id.toLowerCase() !== previous.id.toLowerCase())
      throw new SandboxHttpError(500, ['InternalServerError']);
    const targetingChange = operations.some((operation) =>
      TARGETING_PATHS.some((path) => operation.path.toLowerCase().startsWith(path)),
    );
    store.writeSegment(previous.envId, previous.id, requestToken(res), () => patched, {
      comment: 'Updated via patch',
      targetingChange,
    });
    sendOk(res, true);
  });

  // `ArchiveSegment.cs`: 422 `SegmentIsBeingUsed` while a flag references it; otherwise it always writes.
  router.put('/:segmentId/archive', can(SandboxPermission.ArchiveSegment), (req, res) => {
    const { comment: text } = bindBody(commentBody, req.body);
    const segment = store.rawSegment(env(req), id(req));
    if (store.flagReferences(env(req), segment.id).length > 0) throw new SandboxHttpError(422, ['SegmentIsBeingUsed']);
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, isArchived: true }), {
      operation: 'Archive',
      comment: text,
    });
    sendOk(res, true);
  });

  router.put('/:segmentId/restore', can(SandboxPermission.RestoreSegment), (req, res) => {
    const { comment: text } = bindBody(commentBody, req.body);
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, isArchived: false }), {
      operation: 'Restore',
      comment: text,
    });
    sendOk(res, true);
  });

  return router;
}
