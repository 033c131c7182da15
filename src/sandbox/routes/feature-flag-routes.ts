import { Router, type Request } from 'express';
import fastJsonPatch from 'fast-json-patch';
import { z } from 'zod';
import { ValidationError } from '../../errors/index.js';
import { fallthroughSchema, targetRuleSchema, targetUserSchema, type RestFlag } from '../../featbit/model/index.js';
import { SandboxHttpError, sendOk } from '../api-envelope.js';
import type { NewFlag, SandboxStore } from '../sandbox-store.js';
import { bindBody, bindBooleanRouteValue } from './model-binding.js';
import { page, queryBoolean, queryList, requestToken, validationCodes } from './request-context.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const comment = z.string({ error: 'System.String' }).nullable().optional().transform((value) => value ?? '');
/** `Guid Revision`: absent, it binds to `Guid.Empty`, which never matches (409); anything but a GUID fails binding (400). */
const revision = z.string({ error: 'System.Guid' }).regex(GUID, { error: 'System.Guid' }).optional();
const commentBody = z.looseObject({ comment }).nullable().optional().transform((value) => value ?? { comment: '' });
const nullableText = z.string({ error: 'System.String' }).nullable().optional();

/** FluentValidation's `NotEmpty()` on a string: not null, not empty, not only white space. */
const isBlank = (value: string | null | undefined) => value === null || value === undefined || value.trim() === '';

const targetingBody = z.object({
  revision,
  targeting: z.object({
    targetUsers: z.array(targetUserSchema).default([]),
    rules: z.array(targetRuleSchema).default([]),
    fallthrough: fallthroughSchema,
    exptIncludeAllTargets: z.boolean().default(true),
  }),
  comment,
});
const variationsBody = z.object({
  revision,
  variations: z.array(z.looseObject({ id: nullableText, name: nullableText, value: nullableText })).nullable().optional(),
  comment,
});
const offVariationBody = z.object({ revision, offVariationId: nullableText, comment });
const NAME_MAX_LENGTH = 128;

const VARIATION_TYPES = ['boolean', 'json', 'number', 'string'];

/** `CreateFeatureFlagValidator`: the first failing rule per field, FeatBit's error codes. */
function validateNewFlag(body: unknown): NewFlag {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const variations = Array.isArray(input['variations']) ? (input['variations'] as Record<string, unknown>[]) : [];
  const validVariations = variations.length > 0 && variations.every((variation) => text(variation?.['id']).trim() !== '' && text(variation?.['name']).trim() !== '' && typeof variation?.['value'] === 'string');
  const ids = new Set(variations.map((variation) => text(variation?.['id'])));
  const errors: string[] = [];
  if (text(input['name']).trim() === '') errors.push('name_is_required');
  if (text(input['key']).trim() === '') errors.push('key_is_required');
  else if (!/^[a-zA-Z0-9._-]+$/.test(text(input['key']))) errors.push('key_is_invalid');
  if (!VARIATION_TYPES.includes(text(input['variationType']))) errors.push('invalid_variation_type');
  if (!validVariations) errors.push('variations_is_invalid');
  if (!ids.has(text(input['disabledVariationId']))) errors.push('disabledVariationId_is_invalid');
  if (!ids.has(text(input['enabledVariationId']))) errors.push('enabledVariationId_is_invalid');
  if (errors.length > 0) throw new SandboxHttpError(400, errors);
  return {
    name: text(input['name']),
    key: text(input['key']),
    isEnabled: input['isEnabled'] === true,
    description: text(input['description']),
    variationType: text(input['variationType']),
    variations: variations.map((variation) => ({ id: text(variation['id']), name: text(variation['name']), value: text(variation['value']) })),
    enabledVariationId: text(input['enabledVariationId']),
    disabledVariationId: text(input['disabledVariationId']),
    tags: Array.isArray(input['tags']) ? (input['tags'] as unknown[]).map(String) : [],
  };
}

/** Which variation values a flag can serve (`FeatureFlag.Serves`), shown in the flag list. */
function serves(flag: RestFlag) {
  const ids = new Set([
    ...flag.targetUsers.filter((target) => target.keyIds.length > 0).map((target) => target.variationId),
    ...flag.rules.flatMap((rule) => rule.variations).filter((v) => v.rollout[1] - v.rollout[0] !== 0).map((v) => v.id),
    ...flag.fallthrough.variations.filter((v) => v.rollout[1] - v.rollout[0] !== 0).map((v) => v.id),
  ]);
  return {
    enabledVariations: flag.variations.filter((variation) => ids.has(variation.id)).map((variation) => variation.value),
    disabledVariation: flag.variations.find((variation) => variation.id === flag.disabledVariationId)?.value ?? null,
  };
}

function listItem(flag: RestFlag) {
  const { id, name, description, key, isEnabled, variationType, variations, createdAt, updatedAt, tags } = flag;
  return { id, name, description, key, isEnabled, variationType, variations, createdAt, updatedAt, serves: serves(flag), tags };
}

function filterFlags(flags: RestFlag[], query: Request['query']): RestFlag[] {
  const name = typeof query['name'] === 'string' ? query['name'].toLowerCase() : '';
  const tags = queryList(query['tags']);
  const isEnabled = queryBoolean(query['isEnabled']);
  const isArchived = queryBoolean(query['isArchived']) ?? false;
  const filtered = flags.filter(
    (flag) =>
      flag.isArchived === isArchived &&
      (isEnabled === undefined || flag.isEnabled === isEnabled) &&
      (!name || flag.name.toLowerCase().includes(name) || flag.key.toLowerCase().includes(name)) &&
      tags.every((tag) => flag.tags.includes(tag)),
  );
  const sortBy = String(query['sortBy'] ?? 'created_at');
  return sortBy === 'key' ? filtered.sort((a, b) => a.key.localeCompare(b.key)) : filtered.sort((a, b) => Date.parse(b.createdAt ?? '') - Date.parse(a.createdAt ?? ''));
}

/** `FeatureFlagController`'s access-token endpoints under `/api/v1/envs/:envId/feature-flags`. */
export function featureFlagRoutes(store: SandboxStore): Router {
  const router = Router({ mergeParams: true });
  const env = (req: Request) => String(req.params['envId']);
  const key = (req: Request) => String(req.params['key']);

  router.get('/', (req, res) => sendOk(res, page(filterFlags(store.listFlags(env(req)), req.query).map(listItem), req.query)));

  router.get('/:key', (req, res) => sendOk(res, store.getFlag(env(req), key(req))));

  router.post('/', (req, res) => sendOk(res, store.createFlag(env(req), requestToken(res), validateNewFlag(req.body))));

  router.put('/:key/toggle/:status', (req, res) => {
    const enabled = bindBooleanRouteValue('status', String(req.params['status']));
    const { comment: text } = bindBody(commentBody, req.body);
    const flag = store.writeFlag(env(req), key(req), requestToken(res), (draft) => (draft.isEnabled === enabled ? undefined : { ...draft, isEnabled: enabled }), { comment: text });
    sendOk(res, flag.revision);
  });

  router.put('/:key/targeting', (req, res) => {
    const body = bindBody(targetingBody, req.body, 'payload');
    const flag = store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, ...body.targeting }), {
      expectedRevision: body.revision ?? '',
      comment: body.comment,
    });
    sendOk(res, flag.revision);
  });

  router.put('/:key/variations', (req, res) => {
    const body = bindBody(variationsBody, req.body, 'request');
    const variations = body.variations ?? [];
    if (variations.length === 0 || variations.some((variation) => isBlank(variation.id) || isBlank(variation.name) || typeof variation.value !== 'string')) {
      throw new SandboxHttpError(400, ['variations_is_invalid']);
    }
    const flag = store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, variations }), {
      expectedRevision: body.revision ?? '',
      comment: body.comment,
    });
    sendOk(res, flag.revision);
  });

  router.put('/:key/off-variation', (req, res) => {
    const body = bindBody(offVariationBody, req.body, 'request');
    const offVariationId = body.offVariationId;
    if (isBlank(offVariationId)) throw new SandboxHttpError(400, ['offVariationId_is_required']);
    const flag = store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, disabledVariationId: offVariationId }), {
      expectedRevision: body.revision ?? '',
      comment: body.comment,
    });
    sendOk(res, flag.revision);
  });

  router.put('/:key/name', (req, res) => {
    const body = bindBody(z.object({ name: nullableText, comment }), req.body, 'request');
    const name = body.name;
    if (isBlank(name)) throw new SandboxHttpError(400, ['name_is_required']);
    if (name!.length > NAME_MAX_LENGTH) throw new SandboxHttpError(400, ['name_is_invalid']);
    sendOk(res, store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, name }), { comment: body.comment }).revision);
  });

  router.put('/:key/description', (req, res) => {
    const body = bindBody(z.object({ description: nullableText.transform((v) => v ?? ''), comment }), req.body, 'request');
    sendOk(res, store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, description: body.description }), { comment: body.comment }).revision);
  });

  router.put('/:key/tags', (req, res) => {
    const body = bindBody(z.object({ tags: z.array(z.string({ error: 'System.String' })).nullable().optional().transform((v) => v ?? []), comment }), req.body, 'request');
    store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, tags: body.tags }), { comment: body.comment });
    sendOk(res, true);
  });

  for (const [action, archived] of [['archive', true], ['restore', false]] as const) {
    router.put(`/:key/${action}`, (req, res) => {
      const { comment: text } = bindBody(commentBody, req.body);
      store.writeFlag(env(req), key(req), requestToken(res), (draft) => (draft.isArchived === archived ? undefined : { ...draft, isArchived: archived }), {
        operation: archived ? 'Archive' : 'Restore',
        comment: text,
      });
      sendOk(res, true);
    });
  }

  router.patch('/:key', (req, res) => {
    if (!Array.isArray(req.body)) throw new SandboxHttpError(400, ['body_is_invalid']);
    const operations = req.body as fastJsonPatch.Operation[];
    try {
      store.writeFlag(env(req), key(req), requestToken(res), (draft) => fastJsonPatch.applyPatch(draft, operations, true, true).newDocument);
      sendOk(res, true);
    } catch (error) {
      if (error instanceof SandboxHttpError) throw error;
      const message = error instanceof ValidationError ? validationCodes(error).join(', ') : (error as Error).message.split('\n')[0]!;
      res.status(200).json({ success: false, errors: [message], data: false });
    }
  });

  router.delete('/:key', (req, res) => {
    const { comment: text } = bindBody(commentBody, req.body);
    store.deleteFlag(env(req), key(req), requestToken(res), text);
    sendOk(res, true);
  });

  return router;
}
