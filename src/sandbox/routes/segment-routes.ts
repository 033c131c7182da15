import { Router, type Request } from 'express';
import { z } from 'zod';
import { segmentRuleSchema } from '../../featbit/model/index.js';
import { SandboxHttpError, sendOk } from '../api-envelope.js';
import type { SandboxStore } from '../sandbox-store.js';
import { SEGMENT_CONDITION_PROPERTIES } from '../webhooks/index.js';
import { page, parseBody, queryBoolean, requestToken } from './request-context.js';

const comment = z.string().nullable().optional().transform((value) => value ?? '');
const targetingBody = z.object({
  included: z.array(z.string()).nullable().default([]).transform((v) => v ?? []),
  excluded: z.array(z.string()).nullable().default([]).transform((v) => v ?? []),
  rules: z.array(segmentRuleSchema).default([]),
  comment,
});

/** `SegmentController`'s access-token endpoints under `/api/v1/envs/:envId/segments`. */
export function segmentRoutes(store: SandboxStore): Router {
  const router = Router({ mergeParams: true });
  const env = (req: Request) => String(req.params['envId']);
  const id = (req: Request) => String(req.params['segmentId']);

  router.get('/', (req, res) => {
    const name = typeof req.query['name'] === 'string' ? req.query['name'].toLowerCase() : '';
    const isArchived = queryBoolean(req.query['isArchived']) ?? false;
    const segments = store.listSegments(env(req)).filter((s) => s.isArchived === isArchived && (!name || s.name.toLowerCase().includes(name)));
    sendOk(res, page(segments, req.query));
  });

  router.get('/:segmentId', (req, res) => sendOk(res, store.getSegment(env(req), id(req))));

  router.get('/:segmentId/flag-references', (req, res) => sendOk(res, store.flagReferences(env(req), store.getSegment(env(req), id(req)).id)));

  router.put('/:segmentId/targeting', (req, res) => {
    const body = parseBody(targetingBody, req.body);
    if (body.rules.some((rule) => rule.conditions.some((condition) => SEGMENT_CONDITION_PROPERTIES.includes(condition.property)))) {
      throw new SandboxHttpError(400, ['rules_is_invalid']);
    }
    store.writeSegment(env(req), id(req), requestToken(res), (draft) => ({ ...draft, included: body.included, excluded: body.excluded, rules: body.rules }), {
      comment: body.comment,
      targetingChange: true,
    });
    sendOk(res, true);
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    router.put(`/:segmentId/${action}`, (req, res) => {
      store.writeSegment(env(req), id(req), requestToken(res), (draft) => (draft.isArchived === archived ? undefined : { ...draft, isArchived: archived }), {
        operation: archived ? 'Archive' : 'Restore',
      });
      sendOk(res, true);
    });
  }

  return router;
}
