import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { SandboxHttpError, sendOk } from '../api-envelope.js';
import { applyFlagPatch, MalformedPatchError, readPatchDocument } from '../sandbox-flag-patch.js';
import { sandboxTargetingSchema, sandboxVariationSchema, type SandboxFlag } from '../sandbox-flag.js';
import { SANDBOX_PROJECT_KEY } from '../sandbox-identity.js';
import { itemResourceName, SandboxPermission } from '../sandbox-permissions.js';
import type { NewFlag, SandboxStore } from '../sandbox-store.js';
import { featBitFeatures, type FeatBitFeatures } from '../featbit-version.js';
import { bindBody, bindBooleanRouteValue } from './model-binding.js';
import { page, queryBoolean, queryList, requestToken } from './request-context.js';
import { demandPermissions, flagTargetingPermissions, requirePermission } from './route-authorization.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const comment = z
  .string({ error: 'System.String' })
  .nullable()
  .optional()
  .transform((value) => value ?? '');
/** `Guid Revision`: absent, it binds to `Guid.Empty`, which never matches (409); anything but a GUID fails binding (400). */
const revision = z.string({ error: 'System.Guid' }).regex(GUID, { error: 'System.Guid' }).optional();
const commentBody = z
  .looseObject({ comment })
  .nullable()
  .optional()
  .transform((value) => value ?? { comment: '' });
const nullableText = z.string({ error: 'System.String' }).nullable().optional();

/** FluentValidation's `NotEmpty()` on a string: not null, not empty, not only white space. */
const isBlank = (value: string | null | undefined) => value === null || value === undefined || value.trim() === '';

/** `UpdateTargetingPayload`: types only, FeatBit has no validator for it (`Application/FeatureFlags/UpdateTargeting.cs`). */
const targetingBody = z.object({ revision, targeting: sandboxTargetingSchema.nullable().default(null), comment });
/** `UpdateVariations`: values may be null; `UpdateVariationsValidator` checks non-blank ids and names only. */
const variationsBody = z.object({
  revision,
  variations: z.array(sandboxVariationSchema.nullable()).nullable().optional(),
  comment,
});
const offVariationBody = z.object({ revision, offVariationId: nullableText, comment });
const NAME_MAX_LENGTH = 128;
const KEY_PATTERN = /^[a-zA-Z0-9._-]+$/;

const VARIATION_TYPES = ['boolean', 'json', 'number', 'string'];

/** `CreateFeatureFlagValidator`: the first failing rule per field, FeatBit's error codes. */
function validateNewFlag(body: unknown): NewFlag {
  const input = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const variations = Array.isArray(input['variations']) ? (input['variations'] as Record<string, unknown>[]) : [];
  const validVariations =
    variations.length > 0 &&
    variations.every(
      (variation) =>
        text(variation?.['id']).trim() !== '' &&
        text(variation?.['name']).trim() !== '' &&
        (variation?.['value'] === null ||
          variation?.['value'] === undefined ||
          typeof variation?.['value'] === 'string'),
    );
  const ids = new Set(variations.map((variation) => text(variation?.['id'])));
  const errors: string[] = [];
  const name = text(input['name']);
  const key = text(input['key']);
  if (name.trim() === '') errors.push('name_is_required');
  else if (name.length > NAME_MAX_LENGTH) errors.push('name_is_invalid');
  if (key.trim() === '') errors.push('key_is_required');
  else if (key.length > NAME_MAX_LENGTH || !KEY_PATTERN.test(key)) errors.push('key_is_invalid');
  if (!VARIATION_TYPES.includes(text(input['variationType']))) errors.push('variationType_is_invalid');
  if (!validVariations) errors.push('variations_is_invalid');
  if (!ids.has(text(input['disabledVariationId']))) errors.push('disabledVariationId_is_invalid');
  if (!ids.has(text(input['enabledVariationId']))) errors.push('enabledVariationId_is_invalid');
  if (errors.length > 0) throw new SandboxHttpError(400, errors);
  return {
    name,
    key,
    isEnabled: input['isEnabled'] === true,
    description: text(input['description']),
    variationType: text(input['variationType']),
    variations: variations.map((variation) => ({
      id: text(variation['id']),
      name: text(variation['name']),
      value: typeof variation['value'] === 'string' ? variation['value'] : null,
    })),
    enabledVariationId: text(input['enabledVariationId']),
    disabledVariationId: text(input['disabledVariationId']),
    tags: Array.isArray(input['tags']) ? (input['tags'] as unknown[]).map(String) : [],
  };
}

/**
 * `FeatureFlag.Serves()`, shown in the flag list. Like FeatBit it throws on flags it cannot read (null lists, a
 * rollout shorter than two, an off variation that is not among the variations), which makes the list a 500.
 */
function serves(flag: SandboxFlag) {
  const nonEmpty = (v: { rollout: number[] | null }) => v.rollout![1]! - v.rollout![0]! !== 0;
  const ids = new Set([
    ...flag.targetUsers!.filter((target) => target.keyIds!.length > 0).map((target) => target.variationId),
    ...flag
      .rules!.flatMap((rule) => rule.variations!)
      .filter(nonEmpty)
      .map((v) => v.id),
    ...flag.fallthrough!.variations!.filter(nonEmpty).map((v) => v.id),
  ]);
  const disabled = flag.variations!.find((variation) => variation.id === flag.disabledVariationId);
  if (!disabled) throw new Error('Sequence contains no matching element');
  return {
    enabledVariations: flag
      .variations!.filter((variation) => ids.has(variation.id))
      .map((variation) => variation.value),
    disabledVariation: disabled.value,
  };
}

function listItem(flag: SandboxFlag) {
  const { id, name, description, key, isEnabled, variationType, variations, createdAt, updatedAt, tags } = flag;
  return {
    id,
    name,
    description,
    key,
    isEnabled,
    variationType,
    variations,
    createdAt,
    updatedAt,
    serves: serves(flag),
    tags,
  };
}

function filterFlags(flags: SandboxFlag[], query: Request['query']): SandboxFlag[] {
  const name = typeof query['name'] === 'string' ? query['name'].toLowerCase() : '';
  const tags = queryList(query['tags']);
  const isEnabled = queryBoolean(query['isEnabled']);
  const isArchived = queryBoolean(query['isArchived']) ?? false;
  const filtered = flags.filter(
    (flag) =>
      flag.isArchived === isArchived &&
      (isEnabled === undefined || flag.isEnabled === isEnabled) &&
      (!name || (flag.name ?? '').toLowerCase().includes(name) || (flag.key ?? '').toLowerCase().includes(name)) &&
      tags.every((tag) => (flag.tags ?? []).includes(tag)),
  );
  const sortBy = String(query['sortBy'] ?? 'created_at');
  return sortBy === 'key'
    ? filtered.sort((a, b) => (a.key ?? '').localeCompare(b.key ?? ''))
    : filtered.sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
}

/** Answers 403 with an empty body: an action without `[OpenApi]` called with an access token (`VerifyOpenApiApplicableAttribute`). */
function notOpenApi(_req: Request, res: Response): void {
  res.status(403).end();
}

/**
 * `FeatureFlagController`'s routes under `/api/v1/envs/:envId/feature-flags`, in FeatBit's order of checks:
 * permission (missing flag = 403), model binding (400 problem details), validator (400 envelope), then the
 * handler (404, 409, 422). Literal sub-routes (`all-tags`, `is-key-used`, `insights`) come before keys.
 */
export function featureFlagRoutes(store: SandboxStore, features: FeatBitFeatures = featBitFeatures()): Router {
  const router = Router({ mergeParams: true });
  /** Before 5.2.2 writes answered `true` and nothing carried a revision. */
  const answerRevision = (res: Response, flag: SandboxFlag) => sendOk(res, features.revisions ? flag.revision : true);
  /** The revision a write must find (none before 5.2.2): a missing one in the body is the empty revision. */
  const expected = (revisionValue: string | undefined) =>
    features.revisions ? { expectedRevision: revisionValue ?? '' } : {};
  const env = (req: Request) => String(req.params['envId']);
  const key = (req: Request) => String(req.params['key']);
  const can = (permission: SandboxPermission) => requirePermission(store, permission);

  router.get('/', can(SandboxPermission.CanAccessEnv), (req, res) =>
    sendOk(res, page(filterFlags(store.rawFlags(env(req)), req.query), req.query, listItem)),
  );

  router.get('/all-tags', can(SandboxPermission.CanAccessEnv), (req, res) => {
    sendOk(res, [...new Set(store.rawFlags(env(req)).flatMap((flag) => flag.tags ?? []))]);
  });
  router.get('/is-key-used', notOpenApi);
  router.get('/insights', notOpenApi);

  router.get('/:key', can(SandboxPermission.CanAccessEnv), (req, res) => {
    const flag = store.rawFlag(env(req), key(req));
    if (features.revisions) return sendOk(res, flag);
    const { revision: _revision, ...withoutRevision } = flag;
    sendOk(res, withoutRevision);
  });

  router.get('/:key/pending-changes', (req, res) => {
    store.rawFlag(env(req), key(req));
    sendOk(res, []);
  });

  router.post('/', can(SandboxPermission.CreateFlag), (req, res) =>
    sendOk(res, store.createFlag(env(req), requestToken(res), validateNewFlag(req.body))),
  );

  // `CloneFlag.cs`: [Authorize(CloneFlag)] on the origin flag, then the validator, then key use and the origin.
  router.post('/clone/:key', can(SandboxPermission.CloneFlag), (req, res) => {
    const body = bindBody(
      z.object({
        name: nullableText,
        key: nullableText,
        description: nullableText,
        tags: z
          .array(z.string({ error: 'System.String' }))
          .nullable()
          .optional(),
      }),
      req.body,
      'request',
    );
    const errors: string[] = [];
    if (isBlank(body.name)) errors.push('name_is_required');
    else if (body.name!.length > NAME_MAX_LENGTH) errors.push('name_is_invalid');
    if (isBlank(body.key)) errors.push('key_is_required');
    else if (body.key!.length > NAME_MAX_LENGTH || !KEY_PATTERN.test(body.key!)) errors.push('key_is_invalid');
    if (errors.length > 0) throw new SandboxHttpError(400, errors);
    store.cloneFlag(env(req), key(req), requestToken(res), {
      name: body.name!,
      key: body.key!,
      description: body.description ?? null,
      tags: body.tags ?? null,
    });
    sendOk(res, true);
  });

  router.put('/:key/toggle/:status', can(SandboxPermission.ToggleFlag), (req, res) => {
    const enabled = bindBooleanRouteValue('status', String(req.params['status']));
    const { comment: text } = bindBody(commentBody, req.body);
    const flag = store.writeFlag(
      env(req),
      key(req),
      requestToken(res),
      (draft) => (draft.isEnabled === enabled ? undefined : { ...draft, isEnabled: enabled }),
      { comment: text },
    );
    answerRevision(res, flag);
  });

  router.put(
    '/:key/targeting',
    (req, res, next) => (features.targetingByAccessToken ? next() : notOpenApi(req, res)),
    (req, res) => {
      const body = bindBody(targetingBody, req.body, 'payload');
      const token = requestToken(res);
      const flag = store.writeFlag(
        env(req),
        key(req),
        token,
        (draft) => {
          // `flag.UpdateTargeting(null)` throws: a 500 with nothing saved.
          if (body.targeting === null) throw new Error('Object reference not set to an instance of an object.');
          return { ...draft, ...body.targeting };
        },
        {
          ...expected(body.revision),
          comment: body.comment,
          authorize: (instructions, previous) => {
            // FlagComparer throws on null lists: a 500 before anything is saved.
            if (instructions === undefined) throw new Error('FlagComparer failed on the new targeting');
            const required = flagTargetingPermissions(instructions);
            if (required.length === 0) return;
            const environment = store.environment(previous.envId);
            demandPermissions(
              res,
              itemResourceName(SANDBOX_PROJECT_KEY, environment.key, 'flag', previous.key, previous.tags),
              required,
            );
          },
        },
      );
      answerRevision(res, flag);
    },
  );

  router.put('/:key/variations', can(SandboxPermission.UpdateFlagVariations), (req, res) => {
    const body = bindBody(variationsBody, req.body, 'request');
    const variations = body.variations ?? [];
    if (
      variations.length === 0 ||
      variations.some((variation) => variation !== null && (isBlank(variation.id) || isBlank(variation.name)))
    ) {
      throw new SandboxHttpError(400, ['variations_is_invalid']);
    }
    // A null element makes `variation.IsValid()` throw: 500.
    if (variations.some((variation) => variation === null))
      throw new Error('Object reference not set to an instance of an object.');
    const flag = store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, variations }), {
      ...expected(body.revision),
      comment: body.comment,
    });
    answerRevision(res, flag);
  });

  router.put('/:key/off-variation', can(SandboxPermission.UpdateFlagOffVariation), (req, res) => {
    const body = bindBody(offVariationBody, req.body, 'request');
    const offVariationId = body.offVariationId;
    if (isBlank(offVariationId)) throw new SandboxHttpError(400, ['offVariationId_is_required']);
    const flag = store.writeFlag(
      env(req),
      key(req),
      requestToken(res),
      (draft) => ({ ...draft, disabledVariationId: offVariationId }),
      {
        ...expected(body.revision),
        comment: body.comment,
      },
    );
    answerRevision(res, flag);
  });

  router.put('/:key/name', can(SandboxPermission.UpdateFlagName), (req, res) => {
    const body = bindBody(z.object({ name: nullableText, comment }), req.body, 'request');
    const name = body.name;
    if (isBlank(name)) throw new SandboxHttpError(400, ['name_is_required']);
    if (name!.length > NAME_MAX_LENGTH) throw new SandboxHttpError(400, ['name_is_invalid']);
    answerRevision(
      res,
      store.writeFlag(
        env(req),
        key(req),
        requestToken(res),
        (draft) => (draft.name === name ? undefined : { ...draft, name }),
        { comment: body.comment },
      ),
    );
  });

  router.put('/:key/description', can(SandboxPermission.UpdateFlagDescription), (req, res) => {
    const body = bindBody(
      z.object({ description: nullableText.transform((v) => v ?? null), comment }),
      req.body,
      'request',
    );
    const description = body.description;
    answerRevision(
      res,
      store.writeFlag(
        env(req),
        key(req),
        requestToken(res),
        (draft) => (draft.description === description ? undefined : { ...draft, description }),
        { comment: body.comment },
      ),
    );
  });

  router.put('/:key/tags', can(SandboxPermission.UpdateFlagTags), (req, res) => {
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
    store.writeFlag(env(req), key(req), requestToken(res), (draft) => ({ ...draft, tags: body.tags }), {
      comment: body.comment,
    });
    sendOk(res, true);
  });

  for (const [action, archived, permission] of [
    ['archive', true, SandboxPermission.ArchiveFlag],
    ['restore', false, SandboxPermission.RestoreFlag],
  ] as const) {
    router.put(`/:key/${action}`, can(permission), (req, res) => {
      const { comment: text } = bindBody(commentBody, req.body);
      store.writeFlag(
        env(req),
        key(req),
        requestToken(res),
        (draft) => (draft.isArchived === archived ? undefined : { ...draft, isArchived: archived }),
        {
          operation: archived ? 'Archive' : 'Restore',
          comment: text,
        },
      );
      sendOk(res, true);
    });
  }

  /**
   * `PatchAsync`: authentication only, no revision. A document that does not parse as a JSON Patch is a 500
   * (the deserializer throws in the controller); a missing flag 404; an operation FeatBit cannot apply answers
   * 200 `{success: false, errors: [message]}`; any other document is stored as it leaves the entity.
   */
  router.patch('/:key', (req, res) => {
    let operations;
    try {
      operations = readPatchDocument(req.body);
    } catch (error) {
      if (error instanceof MalformedPatchError) throw new SandboxHttpError(500, ['InternalServerError']);
      throw error;
    }
    const previous = store.rawFlag(env(req), key(req));
    const outcome = applyFlagPatch(previous, operations);
    if (!outcome.ok) {
      res.status(200).json({ success: false, errors: [outcome.error], data: false });
      return;
    }
    // Changing the primary key or the environment matches no row on save (EF Core): 500, nothing stored.
    if (
      outcome.flag.id.toLowerCase() !== previous.id.toLowerCase() ||
      outcome.flag.envId.toLowerCase() !== previous.envId.toLowerCase()
    ) {
      throw new SandboxHttpError(500, ['InternalServerError']);
    }
    store.writeFlag(env(req), key(req), requestToken(res), () => outcome.flag);
    sendOk(res, true);
  });

  router.delete('/:key', can(SandboxPermission.DeleteFlag), (req, res) => {
    const { comment: text } = bindBody(commentBody, req.body);
    store.deleteFlag(env(req), key(req), requestToken(res), text);
    sendOk(res, true);
  });

  return router;
}
