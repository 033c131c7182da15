import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  createSandbox,
  encodeConnectionToken,
  FaultTarget,
  SandboxPermission,
  type PolicyStatement,
  type Sandbox,
  type TokenOptions,
} from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

/**
 * One row per route and status of FeatBit 5.4.2 that featgate or a flag admin can reach with an access token or
 * an SDK secret, each derived from the FeatBit source file it cites (paths in the featbit/featbit repository at
 * 366b4a1, tag 5.4.2; `BE` = modules/back-end/src, `ES` = modules/evaluation-server/src). Every row runs against
 * a fresh sandbox seeded with FeatBit's reference flags and segments plus one tagged flag.
 */

const ENV = '226b9bf8-4af3-4ffa-9b01-162270e4cd40';
const UNKNOWN_ENV = '11111111-2222-4333-8444-555555555555';
const SEGMENT_USED = '0779d76b-afc6-4886-ab65-af8c004273ad';
const GOVERNED = 'governed-route';
const CURRENT = 'a0000000-0000-4000-8000-000000000001';
const CANDIDATE = 'a0000000-0000-4000-8000-000000000002';

const governedFlag = {
  id: 'a0000000-0000-4000-8000-0000000000ff',
  envId: ENV,
  key: GOVERNED,
  name: 'governed route',
  description: '',
  variationType: 'json',
  variations: [
    { id: CURRENT, name: 'current', value: '{"model":"a"}' },
    { id: CANDIDATE, name: 'candidate', value: '{"model":"b"}' },
  ],
  targetUsers: [],
  rules: [
    {
      id: 'r1',
      name: 'pro',
      dispatchKey: null,
      includedInExpt: false,
      conditions: [{ id: 'c1', property: 'plan', op: 'Equal', value: 'pro' }],
      variations: [{ id: CURRENT, rollout: [0, 1], exptRollout: 1 }],
    },
  ],
  isEnabled: true,
  disabledVariationId: CURRENT,
  fallthrough: {
    dispatchKey: null,
    includedInExpt: true,
    variations: [{ id: CURRENT, rollout: [0, 1], exptRollout: 1 }],
  },
  exptIncludeAllTargets: true,
  tags: ['governed'],
  isArchived: false,
};

interface Reply {
  readonly status: number;
  readonly text: string;
  readonly json: unknown;
  readonly contentType: string;
}

interface World {
  readonly sandbox: Sandbox;
  /** Calls the REST API with a token holding `permissions` (default: every permission), or none. */
  call(
    method: string,
    path: string,
    options?: { body?: unknown; raw?: string; token?: TokenOptions | null },
  ): Promise<Reply>;
  flag(key?: string): ReturnType<Sandbox['control']['store']['rawFlag']>;
  audits(key?: string): number;
}

let sandbox: Sandbox;
let world: World;

beforeEach(async () => {
  sandbox = await createSandbox({
    seeds: [
      readReference('server-sdk-flags.eval-server-fakes.json'),
      readReference('server-sdk-segments.eval-server-fakes.json'),
      { featureFlags: [governedFlag], segments: [] },
    ],
  });
  world = {
    sandbox,
    call: async (method, path, options = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.token !== null) headers['authorization'] = sandbox.tokens.issue('alice', options.token ?? {}).token;
      const body = options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body));
      const response = await fetch(`${sandbox.url}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
      });
      const text = await response.text();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      return { status: response.status, text, json, contentType: response.headers.get('content-type') ?? '' };
    },
    flag: (key = GOVERNED) => sandbox.control.store.rawFlag(ENV, key),
    audits: (key = GOVERNED) =>
      sandbox.control.store.auditLogs(ENV).filter((entry) => entry.refId === sandbox.control.store.rawFlag(ENV, key).id)
        .length,
  };
});

afterEach(async () => {
  await sandbox?.close();
});

const flags = `/api/v1/envs/${ENV}/feature-flags`;
const segments = `/api/v1/envs/${ENV}/segments`;
const only = (...permissions: (string | PolicyStatement)[]): TokenOptions => ({ permissions });
const envelope = (data: unknown) => ({ success: true, errors: [], data });
const failure = (...errors: string[]) => ({ success: false, errors, data: null });
const targetingOf = (flag: ReturnType<World['flag']>) => ({
  targetUsers: flag.targetUsers,
  rules: flag.rules,
  fallthrough: flag.fallthrough,
  exptIncludeAllTargets: flag.exptIncludeAllTargets,
});

interface Row {
  /** FeatBit source the expectation is read from. */
  readonly source: string;
  readonly route: string;
  readonly status: number;
  readonly when: string;
  readonly run: (w: World) => Promise<Reply>;
  readonly then?: (reply: Reply, w: World, before: { revision: string; audits: number }) => void | Promise<void>;
}

const rows: Row[] = [
  // --- authentication and routing
  {
    source: 'BE Api/Authentication/OpenApiHandler.cs',
    route: 'GET feature-flags',
    status: 401,
    when: 'no Authorization header',
    run: (w) => w.call('GET', flags, { token: null }),
    then: (r) => expect(r.json).toEqual(failure('Unauthorized')),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs ([Route] envs/{envId:guid})',
    route: 'GET feature-flags',
    status: 404,
    when: 'the env id is not a GUID',
    run: (w) => w.call('GET', '/api/v1/envs/production/feature-flags'),
    then: (r) => expect(r.text).toBe(''),
  },
  {
    source: 'BE Api/Authorization/DefaultPermissionChecker.cs (GetEnvRnAsync → null)',
    route: 'GET feature-flags',
    status: 403,
    when: 'the env GUID does not exist',
    run: (w) => w.call('GET', `/api/v1/envs/${UNKNOWN_ENV}/feature-flags`),
    then: (r) => expect(r.json).toEqual(failure('Forbidden')),
  },
  // --- list and paging
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs GetListAsync, BE Application/Bases/Models/PagedRequest.cs',
    route: 'GET feature-flags',
    status: 200,
    when: 'default paging',
    run: (w) => w.call('GET', flags),
    then: (r) => expect((r.json as { data: { totalCount: number } }).data.totalCount).toBe(6),
  },
  {
    source: 'BE Api/Authorization/DefaultPermissionChecker.cs (CanAccessEnv)',
    route: 'GET feature-flags',
    status: 403,
    when: 'the token lacks CanAccessEnv',
    run: (w) => w.call('GET', flags, { token: only(SandboxPermission.ToggleFlag) }),
  },
  {
    source: 'BE Application/Bases/Models/PagedRequest.cs (Take(0))',
    route: 'GET feature-flags',
    status: 200,
    when: 'pageSize=0',
    run: (w) => w.call('GET', `${flags}?pageSize=0`),
    then: (r) => expect((r.json as { data: { items: unknown[] } }).data.items).toEqual([]),
  },
  {
    source: 'BE Application/Bases/Models/PagedRequest.cs (negative OFFSET)',
    route: 'GET feature-flags',
    status: 500,
    when: 'pageIndex=-1',
    run: (w) => w.call('GET', `${flags}?pageIndex=-1`),
    then: (r) => expect(r.json).toEqual(failure('InternalServerError')),
  },
  {
    source: 'BE Application/Bases/Models/PagedRequest.cs (int PageSize, model binding)',
    route: 'GET feature-flags',
    status: 400,
    when: 'pageSize=ten',
    run: (w) => w.call('GET', `${flags}?pageSize=ten`),
    then: (r) => expect(r.contentType).toContain('application/problem+json'),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs GetAllTagsAsync',
    route: 'GET feature-flags/all-tags',
    status: 200,
    when: 'a literal sub-route, before {key}',
    run: (w) => w.call('GET', `${flags}/all-tags`),
    then: (r) => expect((r.json as { data: string[] }).data).toContain('governed'),
  },
  {
    source: 'BE Api/Filters/VerifyOpenApiApplicableAttribute.cs (IsKeyUsedAsync has no [OpenApi])',
    route: 'GET feature-flags/is-key-used',
    status: 403,
    when: 'called with an access token',
    run: (w) => w.call('GET', `${flags}/is-key-used?key=x`),
    then: (r) => expect(r.text).toBe(''),
  },
  // --- get
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs GetAsync',
    route: 'GET feature-flags/{key}',
    status: 200,
    when: 'the flag exists',
    run: (w) => w.call('GET', `${flags}/${GOVERNED}`),
    then: (r, w) => expect((r.json as { data: { revision: string } }).data.revision).toBe(w.flag().revision),
  },
  {
    source: 'BE Application/FeatureFlags/GetFeatureFlag.cs (EntityNotFoundException)',
    route: 'GET feature-flags/{key}',
    status: 404,
    when: 'no flag has the key (exact case)',
    run: (w) => w.call('GET', `${flags}/GOVERNED-ROUTE`),
    then: (r) => expect(r.json).toEqual(failure('ResourceNotFound')),
  },
  // --- create
  {
    source: 'BE Application/FeatureFlags/CreateFeatureFlag.cs',
    route: 'POST feature-flags',
    status: 200,
    when: 'a valid flag whose variation value is null',
    run: (w) =>
      w.call('POST', flags, {
        body: {
          name: 'n',
          key: 'brand-new',
          isEnabled: false,
          variationType: 'string',
          variations: [
            { id: 'x', name: 'x', value: null },
            { id: 'y', name: 'y', value: 'y' },
          ],
          enabledVariationId: 'y',
          disabledVariationId: 'x',
          tags: [],
        },
      }),
    then: (_r, w) => expect(w.flag('brand-new').variations![0]!.value).toBeNull(),
  },
  {
    source: 'BE Application/FeatureFlags/CreateFeatureFlag.cs (HasKeyBeenUsedAsync, case-insensitive)',
    route: 'POST feature-flags',
    status: 422,
    when: 'the key differs from a taken one only by case',
    run: (w) =>
      w.call('POST', flags, {
        body: {
          name: 'n',
          key: 'Governed-Route',
          variationType: 'string',
          variations: [{ id: 'x', name: 'x', value: 'x' }],
          enabledVariationId: 'x',
          disabledVariationId: 'x',
        },
      }),
    then: (r) => expect(r.json).toEqual(failure('KeyHasBeenUsed')),
  },
  {
    source: 'BE Application/FeatureFlags/CreateFeatureFlag.cs CreateFeatureFlagValidator',
    route: 'POST feature-flags',
    status: 400,
    when: 'variation type and enabled variation are invalid',
    run: (w) =>
      w.call('POST', flags, {
        body: {
          name: 'n',
          key: 'k',
          variationType: 'yaml',
          variations: [{ id: 'x', name: 'x', value: 'x' }],
          enabledVariationId: 'nope',
          disabledVariationId: 'x',
        },
      }),
    then: (r) => expect(r.json).toEqual(failure('variationType_is_invalid', 'enabledVariationId_is_invalid')),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs CreateAsync [Authorize(CreateFlag)]',
    route: 'POST feature-flags',
    status: 403,
    when: 'the token lacks CreateFlag',
    run: (w) => w.call('POST', flags, { body: {}, token: only(SandboxPermission.CanAccessEnv) }),
  },
  {
    source: 'BE Application/FeatureFlags/CloneFlag.cs (copies the whole configuration)',
    route: 'POST feature-flags/clone/{key}',
    status: 200,
    when: 'cloning a tagged flag under a new key without its tags',
    run: (w) =>
      w.call('POST', `${flags}/clone/${GOVERNED}`, { body: { name: 'copy', key: 'governed-copy', tags: [] } }),
    then: (r, w) => {
      expect(r.json).toEqual(envelope(true));
      const [origin, copy] = [w.flag(), w.flag('governed-copy')];
      expect(copy.rules).toEqual(origin.rules);
      expect(copy.tags).toEqual([]);
      expect(copy.id).not.toBe(origin.id);
    },
  },
  {
    source: 'BE Application/FeatureFlags/CloneFlag.cs (HasKeyBeenUsedAsync)',
    route: 'POST feature-flags/clone/{key}',
    status: 422,
    when: 'the new key is taken in another case',
    run: (w) => w.call('POST', `${flags}/clone/${GOVERNED}`, { body: { name: 'copy', key: 'RETURNS-TRUE' } }),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs CloneAsync [Authorize(CloneFlag)]',
    route: 'POST feature-flags/clone/{key}',
    status: 403,
    when: 'the origin flag does not exist',
    run: (w) => w.call('POST', `${flags}/clone/missing`, { body: { name: 'copy', key: 'x' } }),
  },
  // --- toggle
  {
    source: 'BE Application/FeatureFlags/ToggleFeatureFlag.cs',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 200,
    when: 'switching off',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/toggle/false`, { body: {} }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(w.flag().revision));
      expect(w.flag().revision).not.toBe(before.revision);
    },
  },
  {
    source: 'BE Application/FeatureFlags/ToggleFeatureFlag.cs (IsEnabled == Status)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 200,
    when: 'the flag already has that status',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/toggle/true`, { body: {} }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(before.revision));
      expect(w.audits()).toBe(before.audits);
    },
  },
  {
    source: 'BE Api/Authorization/DefaultPermissionChecker.cs (GetFlagRnAsync → null)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 403,
    when: 'the flag does not exist',
    run: (w) => w.call('PUT', `${flags}/missing/toggle/false`, { body: {} }),
    then: (r) => expect(r.json).toEqual(failure('Forbidden')),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs ToggleAsync (bool status)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 400,
    when: 'the status is not a boolean',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/toggle/maybe`, { body: {} }),
    then: (r) => expect(r.contentType).toContain('application/problem+json'),
  },
  {
    source: 'BE Domain/Resources/RNMatcher.cs (tags after ;)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 200,
    when: 'ToggleFlag is granted only on flags tagged governed',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/toggle/false`, {
        body: {},
        token: only({
          effect: 'allow',
          actions: [SandboxPermission.ToggleFlag],
          resources: ['project/*:env/*:flag/*;governed'],
        }),
      }),
  },
  {
    source: 'BE Domain/Resources/RNMatcher.cs (pattern tag, untagged resource)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 403,
    when: 'the same token toggles an untagged flag',
    run: (w) =>
      w.call('PUT', `${flags}/returns-true/toggle/false`, {
        body: {},
        token: only({
          effect: 'allow',
          actions: [SandboxPermission.ToggleFlag],
          resources: ['project/*:env/*:flag/*;governed'],
        }),
      }),
  },
  {
    source: 'BE Domain/Policies/PolicyHelper.cs (a matching deny wins)',
    route: 'PUT feature-flags/{key}/toggle/{status}',
    status: 403,
    when: 'an allow-all statement and a deny on the flag',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/toggle/false`, {
        body: {},
        token: only(
          { effect: 'allow', actions: ['*'], resources: ['*'] },
          { effect: 'deny', actions: [SandboxPermission.ToggleFlag], resources: [`project/*:env/*:flag/${GOVERNED}`] },
        ),
      }),
  },
  // --- targeting
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (no validator)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 200,
    when: 'a rollout above 1 on a variation, a null condition value and an unknown target variation',
    run: (w) => {
      const flag = w.flag();
      return w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: {
          revision: flag.revision,
          targeting: {
            targetUsers: [{ keyIds: ['u1'], variationId: 'ghost' }],
            rules: [{ ...flag.rules![0], conditions: [{ id: 'c1', property: null, op: 'IsTrue', value: null }] }],
            fallthrough: {
              dispatchKey: null,
              includedInExpt: true,
              variations: [{ id: CANDIDATE, rollout: [0, 1.0000001], exptRollout: 1 }],
            },
          },
        },
      });
    },
    then: (r, w) => {
      expect(r.json).toEqual(envelope(w.flag().revision));
      expect(w.flag().fallthrough!.variations![0]!.rollout).toEqual([0, 1.0000001]);
      expect(w.flag().rules![0]!.conditions![0]).toEqual({ id: 'c1', property: null, op: 'IsTrue', value: null });
      expect(w.flag().exptIncludeAllTargets).toBe(true);
    },
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (Revision check)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 409,
    when: 'the revision is stale',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: '00000000-0000-4000-8000-000000000000', targeting: targetingOf(w.flag()) },
      }),
    then: (r) => expect(r.json).toEqual(failure('Conflict')),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (Guid Revision defaults to Guid.Empty)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 409,
    when: 'the revision is missing',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/targeting`, { body: { targeting: targetingOf(w.flag()) } }),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (Guid Revision, model binding)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 400,
    when: 'the revision is not a GUID',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, { body: { revision: 'r1', targeting: targetingOf(w.flag()) } }),
    then: (r) => expect(r.contentType).toContain('application/problem+json'),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (flagService.GetAsync)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 404,
    when: 'the flag does not exist (no [Authorize] on this action)',
    run: (w) =>
      w.call('PUT', `${flags}/missing/targeting`, {
        body: { revision: w.flag().revision, targeting: targetingOf(w.flag()) },
      }),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (FlagComparer throws on null lists)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 500,
    when: 'targetUsers and rules are left out',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: w.flag().revision, targeting: { fallthrough: w.flag().fallthrough } },
      }),
    then: (_r, w, before) => expect(w.flag().revision).toBe(before.revision),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs CheckPermissionsAsync (UpdateFlagTargetingRules)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 403,
    when: 'rules change and the token holds only UpdateFlagDefaultRule',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: w.flag().revision, targeting: { ...targetingOf(w.flag()), rules: [] } },
        token: only(SandboxPermission.UpdateFlagDefaultRule),
      }),
    then: (_r, w, before) => expect(w.flag().revision).toBe(before.revision),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (revision checked before permissions)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 409,
    when: 'the revision is stale and the token lacks the permission',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: '00000000-0000-4000-8000-000000000000', targeting: { ...targetingOf(w.flag()), rules: [] } },
        token: only(),
      }),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateTargeting.cs (no instruction, no permission; MarkAsUpdated)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 200,
    when: 'a rule reorder by a token with no permission at all',
    run: (w) => {
      const flag = w.flag();
      const rules = [flag.rules![0]!, { ...flag.rules![0]!, id: 'r2', name: 'second' }];
      sandbox.control.store.writeFlag(ENV, GOVERNED, sandbox.tokens.demo, (draft) => ({ ...draft, rules }));
      const seeded = w.flag();
      return w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: seeded.revision, targeting: { ...targetingOf(seeded), rules: [...seeded.rules!].reverse() } },
        token: only(),
      });
    },
    then: (_r, w) => expect(w.flag().rules!.map((rule) => rule.id)).toEqual(['r2', 'r1']),
  },
  {
    source:
      'BE Domain/SemanticPatch/FlagComparer.cs CompareTargetUsers (walks current.Variations only), UpdateTargeting.cs',
    route: 'PUT feature-flags/{key}/targeting',
    status: 200,
    when: 'a token with no permission targets users at a variation id the flag does not have',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: {
          revision: w.flag().revision,
          targeting: { ...targetingOf(w.flag()), targetUsers: [{ keyIds: ['vip'], variationId: 'ghost' }] },
        },
        token: only(),
      }),
    then: (_r, w) => expect(w.flag().targetUsers).toEqual([{ keyIds: ['vip'], variationId: 'ghost' }]),
  },
  {
    source:
      'BE Domain/SemanticPatch/FlagComparer.cs CompareRolloutVariations (count, removed ids, then ranges by index)',
    route: 'PUT feature-flags/{key}/targeting',
    status: 200,
    when: 'a token with no permission swaps the variation ids of a 50/50 default rule',
    run: async (w) => {
      sandbox.control.store.writeFlag(ENV, GOVERNED, sandbox.tokens.demo, (draft) => ({
        ...draft,
        fallthrough: {
          dispatchKey: null,
          includedInExpt: true,
          variations: [
            { id: CURRENT, rollout: [0, 0.5], exptRollout: 1 },
            { id: CANDIDATE, rollout: [0.5, 1], exptRollout: 1 },
          ],
        },
      }));
      const flag = w.flag();
      const swapped = {
        dispatchKey: null,
        includedInExpt: true,
        variations: [
          { id: CANDIDATE, rollout: [0, 0.5], exptRollout: 1 },
          { id: CURRENT, rollout: [0.5, 1], exptRollout: 1 },
        ],
      };
      return w.call('PUT', `${flags}/${GOVERNED}/targeting`, {
        body: { revision: flag.revision, targeting: { ...targetingOf(flag), fallthrough: swapped } },
        token: only(),
      });
    },
    then: (_r, w) => expect(w.flag().fallthrough!.variations!.map((v) => v.id)).toEqual([CANDIDATE, CURRENT]),
  },
  // --- variations
  {
    source: 'BE Application/FeatureFlags/UpdateVariations.cs (value may be null)',
    route: 'PUT feature-flags/{key}/variations',
    status: 200,
    when: 'a variation value is null',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/variations`, {
        body: { revision: w.flag().revision, variations: [{ id: CURRENT, name: 'current', value: null }] },
      }),
    then: (_r, w) => expect(w.flag().variations).toEqual([{ id: CURRENT, name: 'current', value: null }]),
  },
  {
    source:
      'BE Application/FeatureFlags/UpdateVariations.cs UpdateVariationsValidator (runs before the revision check)',
    route: 'PUT feature-flags/{key}/variations',
    status: 400,
    when: 'no variations and a stale revision',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/variations`, {
        body: { revision: '00000000-0000-4000-8000-000000000000', variations: [] },
      }),
    then: (r) => expect(r.json).toEqual(failure('variations_is_invalid')),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateVariations.cs (Revision check)',
    route: 'PUT feature-flags/{key}/variations',
    status: 409,
    when: 'valid variations, stale revision',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/variations`, {
        body: {
          revision: '00000000-0000-4000-8000-000000000000',
          variations: [{ id: CURRENT, name: 'c', value: 'x' }],
        },
      }),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs UpdateVariationsAsync [Authorize(UpdateFlagVariations)]',
    route: 'PUT feature-flags/{key}/variations',
    status: 403,
    when: 'the token lacks UpdateFlagVariations',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/variations`, {
        body: {},
        token: only(SandboxPermission.UpdateFlagOffVariation),
      }),
  },
  // --- off variation
  {
    source: 'BE Application/FeatureFlags/UpdateOffVariation.cs (no check against the variations)',
    route: 'PUT feature-flags/{key}/off-variation',
    status: 200,
    when: 'the off variation names no variation',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/off-variation`, {
        body: { revision: w.flag().revision, offVariationId: 'ghost' },
      }),
    then: (_r, w) => expect(w.flag().disabledVariationId).toBe('ghost'),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateOffVariation.cs UpdateOffVariationValidator',
    route: 'PUT feature-flags/{key}/off-variation',
    status: 400,
    when: 'the off variation is blank',
    run: (w) =>
      w.call('PUT', `${flags}/${GOVERNED}/off-variation`, {
        body: { revision: w.flag().revision, offVariationId: ' ' },
      }),
    then: (r) => expect(r.json).toEqual(failure('offVariationId_is_required')),
  },
  // --- name, description, tags
  {
    source: 'BE Application/FeatureFlags/UpdateName.cs (Name == request.Name)',
    route: 'PUT feature-flags/{key}/name',
    status: 200,
    when: 'the name is unchanged',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/name`, { body: { name: 'governed route' } }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(before.revision));
      expect(w.audits()).toBe(before.audits);
    },
  },
  {
    source: 'BE Application/FeatureFlags/UpdateName.cs UpdateNameValidator (MaximumLength 128)',
    route: 'PUT feature-flags/{key}/name',
    status: 400,
    when: 'the name has 129 characters',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/name`, { body: { name: 'n'.repeat(129) } }),
    then: (r) => expect(r.json).toEqual(failure('name_is_invalid')),
  },
  {
    source: 'BE Application/FeatureFlags/UpdateDescription.cs (Description == request.Description)',
    route: 'PUT feature-flags/{key}/description',
    status: 200,
    when: 'the description is unchanged',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/description`, { body: { description: '' } }),
    then: (r, _w, before) => expect(r.json).toEqual(envelope(before.revision)),
  },
  {
    source: 'BE Application/FeatureFlags/SetTags.cs (always writes)',
    route: 'PUT feature-flags/{key}/tags',
    status: 200,
    when: 'the tags are unchanged',
    run: (w) => w.call('PUT', `${flags}/${GOVERNED}/tags`, { body: { tags: ['governed'] } }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(true));
      expect(w.audits()).toBe(before.audits + 1);
    },
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs SetTagsAsync [Authorize(UpdateFlagTags)]',
    route: 'PUT feature-flags/{key}/tags',
    status: 403,
    when: 'the flag does not exist',
    run: (w) => w.call('PUT', `${flags}/missing/tags`, { body: { tags: [] } }),
  },
  // --- archive, restore, delete
  {
    source: 'BE Application/FeatureFlags/ArchiveFeatureFlag.cs',
    route: 'PUT feature-flags/{key}/archive',
    status: 200,
    when: 'archiving twice writes once',
    run: async (w) => {
      await w.call('PUT', `${flags}/${GOVERNED}/archive`, { body: {} });
      return w.call('PUT', `${flags}/${GOVERNED}/archive`, { body: {} });
    },
    then: (_r, w, before) => {
      expect(w.flag().isArchived).toBe(true);
      expect(w.audits()).toBe(before.audits + 1);
    },
  },
  {
    source: 'BE Application/FeatureFlags/DeleteFeatureFlag.cs (CannotDeleteUnarchivedFeatureFlag)',
    route: 'DELETE feature-flags/{key}',
    status: 422,
    when: 'the flag is not archived',
    run: (w) => w.call('DELETE', `${flags}/${GOVERNED}`),
    then: (r) => expect(r.json).toEqual(failure('CannotDeleteUnarchivedFeatureFlag')),
  },
  {
    source: 'BE Application/FeatureFlags/DeleteFeatureFlag.cs',
    route: 'DELETE feature-flags/{key}',
    status: 200,
    when: 'the flag is archived',
    run: async (w) => {
      await w.call('PUT', `${flags}/${GOVERNED}/archive`, { body: {} });
      return w.call('DELETE', `${flags}/${GOVERNED}`);
    },
    then: (_r, w) => expect(w.sandbox.control.store.findFlag(ENV, GOVERNED)).toBeUndefined(),
  },
  {
    source: 'BE Api/Authorization/DefaultPermissionChecker.cs (DeleteFlag, no resource)',
    route: 'DELETE feature-flags/{key}',
    status: 403,
    when: 'the flag does not exist',
    run: (w) => w.call('DELETE', `${flags}/missing`),
  },
  // --- JSON Patch
  {
    source:
      'BE Api/Controllers/FeatureFlagController.cs PatchAsync (no [Authorize]), BE Application/FeatureFlags/PatchFeatureFlag.cs',
    route: 'PATCH feature-flags/{key}',
    status: 200,
    when: 'a token without any permission archives, renames, retypes, retags and widens in one document',
    run: (w) =>
      w.call('PATCH', `${flags}/${GOVERNED}`, {
        token: only(),
        body: [
          { op: 'replace', path: '/isArchived', value: true },
          { op: 'replace', path: '/key', value: 'Renamed Key!' },
          { op: 'replace', path: '/variationType', value: 'yaml' },
          { op: 'remove', path: '/tags' },
          { op: 'add', path: '/variations/-', value: { id: 'v3', name: 'third', value: null } },
          { op: 'replace', path: '/Fallthrough/Variations/0/Id', value: 'v3' },
        ],
      }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(true));
      const flag = w.flag('Renamed Key!');
      expect(flag).toMatchObject({ isArchived: true, variationType: 'yaml', tags: null });
      expect(flag.fallthrough!.variations![0]!.id).toBe('v3');
      expect(flag.revision).not.toBe(before.revision);
    },
  },
  {
    source: 'BE Application/FeatureFlags/PatchFeatureFlag.cs (ApplyTo error → PatchResult.Fail)',
    route: 'PATCH feature-flags/{key}',
    status: 200,
    when: 'a path names no member',
    run: (w) => w.call('PATCH', `${flags}/${GOVERNED}`, { body: [{ op: 'replace', path: '/owner', value: 'x' }] }),
    then: (r, w, before) => {
      expect(r.json).toMatchObject({ success: false, data: false });
      expect(w.flag().revision).toBe(before.revision);
    },
  },
  {
    source: 'BE Application/FeatureFlags/PatchFeatureFlag.cs (typed entity)',
    route: 'PATCH feature-flags/{key}',
    status: 200,
    when: 'a value has the wrong type',
    run: (w) =>
      w.call('PATCH', `${flags}/${GOVERNED}`, { body: [{ op: 'replace', path: '/isEnabled', value: 'yes' }] }),
    then: (r) => expect(r.json).toMatchObject({ success: false, data: false }),
  },
  {
    source: 'BE Application/FeatureFlags/PatchFeatureFlag.cs (_service.GetAsync)',
    route: 'PATCH feature-flags/{key}',
    status: 404,
    when: 'the flag does not exist',
    run: (w) => w.call('PATCH', `${flags}/missing`, { body: [] }),
  },
  {
    source:
      'BE Api/Controllers/FeatureFlagController.cs PatchAsync (JsonSerializer.Deserialize<JsonPatchDocument> throws)',
    route: 'PATCH feature-flags/{key}',
    status: 500,
    when: 'the body is not a patch document',
    run: (w) => w.call('PATCH', `${flags}/${GOVERNED}`, { body: { op: 'replace' } }),
  },
  {
    source:
      'aspnetcore JsonPatch.SystemTextJson Operations/OperationBase.cs, Operation.cs (OperationType.Invalid is skipped)',
    route: 'PATCH feature-flags/{key}',
    status: 200,
    when: 'an operation names no operation',
    run: (w) => w.call('PATCH', `${flags}/${GOVERNED}`, { body: [{ op: 'merge', path: '/isEnabled', value: false }] }),
    then: (r, w, before) => {
      expect(r.json).toEqual(envelope(true));
      expect(w.flag()).toMatchObject({ isEnabled: true });
      expect(w.flag().revision).not.toBe(before.revision);
    },
  },
  {
    source: 'aspnetcore JsonPatch.SystemTextJson Internal/PocoAdapter.cs TryRemove (default of the member)',
    route: 'PATCH feature-flags/{key}',
    status: 200,
    when: 'removing a bool, a nullable string and a list member',
    run: (w) =>
      w.call('PATCH', `${flags}/${GOVERNED}`, {
        body: [
          { op: 'remove', path: '/isEnabled' },
          { op: 'remove', path: '/description' },
          { op: 'remove', path: '/rules' },
        ],
      }),
    then: (_r, w) => expect(w.flag()).toMatchObject({ isEnabled: false, description: null, rules: null }),
  },
  {
    source:
      'infra/postgresql/docker-entrypoint-initdb.d/v0.0.0.sql (key varchar(128) NOT NULL), BE …/FeatureFlagConfiguration.cs',
    route: 'PATCH feature-flags/{key}',
    status: 500,
    when: 'the key becomes null or longer than 128 characters in the default Postgres store',
    run: async (w) => {
      const first = await w.call('PATCH', `${flags}/${GOVERNED}`, {
        body: [{ op: 'replace', path: '/key', value: null }],
      });
      expect(first.status).toBe(500);
      return w.call('PATCH', `${flags}/${GOVERNED}`, {
        body: [{ op: 'replace', path: '/key', value: 'k'.repeat(129) }],
      });
    },
    then: (_r, w, before) => expect(w.flag().revision).toBe(before.revision),
  },
  {
    source: 'BE Api/Controllers/FeatureFlagController.cs PatchAsync (op must deserialize as a string)',
    route: 'PATCH feature-flags/{key}',
    status: 500,
    when: 'an op is a number',
    run: (w) => w.call('PATCH', `${flags}/${GOVERNED}`, { body: [{ op: 2, path: '/isEnabled', value: false }] }),
  },
  // --- segments
  {
    source: 'BE Api/Controllers/SegmentController.cs GetAsync',
    route: 'GET segments/{segmentId}',
    status: 200,
    when: 'the segment exists',
    run: (w) => w.call('GET', `${segments}/${SEGMENT_USED}`),
  },
  {
    source: 'BE Api/Controllers/SegmentController.cs ({segmentId:guid})',
    route: 'GET segments/{segmentId}',
    status: 404,
    when: 'the id is not a GUID',
    run: (w) => w.call('GET', `${segments}/segment-01`),
    then: (r) => expect(r.text).toBe(''),
  },
  {
    source: 'BE Application/Segments/ArchiveSegment.cs (SegmentIsBeingUsed)',
    route: 'PUT segments/{segmentId}/archive',
    status: 422,
    when: 'a flag references the segment',
    run: (w) => w.call('PUT', `${segments}/${SEGMENT_USED}/archive`, { body: {} }),
    then: (r) => expect(r.json).toEqual(failure('SegmentIsBeingUsed')),
  },
  {
    source: 'BE Application/Segments/UpdateTargeting.cs CheckPermissionsAsync (UpdateSegmentTargetingUsers)',
    route: 'PUT segments/{segmentId}/targeting',
    status: 403,
    when: 'included users change and the token holds only UpdateSegmentRules',
    run: (w) => {
      const segment = w.sandbox.control.store.getSegment(ENV, SEGMENT_USED);
      return w.call('PUT', `${segments}/${SEGMENT_USED}/targeting`, {
        body: { included: [...segment.included, 'new-user'], excluded: segment.excluded, rules: segment.rules },
        token: only(SandboxPermission.UpdateSegmentRules),
      });
    },
  },
  {
    source: 'BE Application/Segments/UpdateTargeting.cs UpdateTargetingValidator',
    route: 'PUT segments/{segmentId}/targeting',
    status: 400,
    when: 'a segment rule names another segment',
    run: (w) =>
      w.call('PUT', `${segments}/${SEGMENT_USED}/targeting`, {
        body: {
          included: [],
          excluded: [],
          rules: [{ id: 'r', name: 'r', conditions: [{ property: 'User is in segment', op: null, value: '[]' }] }],
        },
      }),
    then: (r) => expect(r.json).toEqual(failure('rules_is_invalid')),
  },
  {
    source: 'BE Application/Segments/UpdateTargeting.cs (validator SelectMany over null rules throws)',
    route: 'PUT segments/{segmentId}/targeting',
    status: 500,
    when: 'rules is null',
    run: (w) =>
      w.call('PUT', `${segments}/${SEGMENT_USED}/targeting`, { body: { included: [], excluded: [], rules: null } }),
  },
  {
    source:
      'BE Api/Controllers/SegmentController.cs PatchAsync (no [Authorize]), BE Application/Segments/PatchSegment.cs',
    route: 'PATCH segments/{segmentId}',
    status: 200,
    when: 'a token without permissions adds an included user and a null rule condition value',
    run: (w) =>
      w.call('PATCH', `${segments}/${SEGMENT_USED}`, {
        token: only(),
        body: [
          { op: 'add', path: '/included/-', value: 'patched-user' },
          {
            op: 'add',
            path: '/rules/-',
            value: { id: 'x', name: 'x', conditions: [{ id: 'c', property: 'plan', op: 'Equal', value: null }] },
          },
        ],
      }),
    then: (r, w) => {
      expect(r.json).toEqual(envelope(true));
      const segment = w.sandbox.control.store.rawSegment(ENV, SEGMENT_USED);
      expect(segment.included).toContain('patched-user');
      expect(segment.rules!.at(-1)!.conditions![0]!.value).toBeNull();
    },
  },
  {
    source: 'BE Api/Controllers/SegmentController.cs UpdateNameAsync [Authorize(UpdateSegmentName)]',
    route: 'PUT segments/{segmentId}/name',
    status: 403,
    when: 'the segment does not exist',
    run: (w) => w.call('PUT', `${segments}/${UNKNOWN_ENV}/name`, { body: { name: 'n' } }),
  },
  {
    source:
      'BE Infrastructure/Services/EntityFrameworkCore/SegmentService.cs GetFlagReferencesAsync (jsonb_array_elements over null conditions)',
    route: 'PUT segments/{segmentId}/targeting',
    status: 500,
    when: 'any flag of the environment has a rule whose conditions are null: saved and audited, but not published',
    run: async (w) => {
      const poisoned = await w.call('PATCH', `${flags}/${GOVERNED}`, {
        body: [{ op: 'replace', path: '/rules/0/conditions', value: null }],
      });
      expect(poisoned.json).toEqual(envelope(true));
      const segment = w.sandbox.control.store.rawSegment(ENV, SEGMENT_USED);
      return w.call('PUT', `${segments}/${SEGMENT_USED}/targeting`, {
        body: { included: [...segment.included!, 'late-user'], excluded: segment.excluded, rules: segment.rules },
      });
    },
    then: async (_r, w) => {
      expect(w.sandbox.control.store.rawSegment(ENV, SEGMENT_USED).included).toContain('late-user');
      expect((await w.call('GET', `${segments}/${SEGMENT_USED}/flag-references`)).status).toBe(500);
    },
  },
  // --- audit logs
  {
    source: 'BE Api/Controllers/AuditLogController.cs (authentication only)',
    route: 'GET audit-logs',
    status: 200,
    when: 'a token without permissions, unknown env GUID',
    run: (w) => w.call('GET', `/api/v1/envs/${UNKNOWN_ENV}/audit-logs`, { token: only() }),
    then: (r) => expect(r.json).toEqual(envelope({ totalCount: 0, items: [] })),
  },
];

describe('FeatBit 5.4.2 routes as the sandbox answers them', () => {
  it.each(rows.map((row) => [`${row.route} → ${row.status} when ${row.when} (${row.source})`, row] as const))(
    '%s',
    async (_title, row) => {
      const flag = world.flag();
      const before = { revision: flag.revision, audits: world.audits() };
      const reply = await row.run(world);
      expect(reply.status, reply.text).toBe(row.status);
      await row.then?.(reply, world, before);
    },
  );
});

describe('FeatBit 5.4.2 SDK endpoints as the sandbox answers them', () => {
  const secret = () => sandbox.envs[0]!.sdkSecret;

  it('GET latest-all → 401 for a secret of no environment (ES Api/Public/SdkController.cs)', async () => {
    const response = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=0`, {
      headers: { authorization: 'nope' },
    });
    expect(response.status).toBe(401);
  });

  it('GET latest-all → 400 for a timestamp that is not a long (ES Api/Public/SdkController.cs [FromQuery] long timestamp)', async () => {
    const response = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=abc`, {
      headers: { authorization: secret() },
    });
    expect(response.status).toBe(400);
  });

  it('GET latest-all → 200 with an empty body for a patch with nothing newer (ServerSdkPayload.IsEmpty)', async () => {
    const response = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=${Date.now() + 60_000}`, {
      headers: { authorization: secret() },
    });
    expect([response.status, await response.text()]).toEqual([200, '']);
  });

  it('GET latest-all → 200 full, archived flags included (ES Infrastructure/Store/PostgresStore.cs GetFlagsAsync)', async () => {
    await world.call('PUT', `${flags}/${GOVERNED}/archive`, { body: {} });
    const response = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=0`, {
      headers: { authorization: secret() },
    });
    const body = (await response.json()) as {
      data: { eventType: string; featureFlags: { key: string; isArchived: boolean }[] };
    };
    expect(body.data.eventType).toBe('full');
    expect(body.data.featureFlags.find((item) => item.key === GOVERNED)?.isArchived).toBe(true);
  });

  const open = (query: string) =>
    new Promise<{ socket: WebSocket; messages: unknown[]; closed: Promise<number> }>((resolve, reject) => {
      const socket = new WebSocket(`${sandbox.url.replace(/^http/, 'ws')}/streaming?${query}`);
      const messages: unknown[] = [];
      const closed = new Promise<number>((done) => socket.on('close', (code) => done(code)));
      socket.on('message', (data) => messages.push(JSON.parse(data.toString())));
      socket.on('open', () => resolve({ socket, messages, closed }));
      socket.on('error', reject);
    });
  const next = async (messages: unknown[], count: number) => {
    const deadline = Date.now() + 5_000;
    while (messages.length < count && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    return messages[count - 1];
  };

  it('WS /streaming → the upgrade is refused with the injected status while SDK requests are failed (sandbox fault injection)', async () => {
    sandbox.control.failRequests({ count: 1, status: 503, target: FaultTarget.Sdk });
    const status = await new Promise<number>((resolve, reject) => {
      const socket = new WebSocket(
        `${sandbox.url.replace(/^http/, 'ws')}/streaming?type=server&token=${encodeConnectionToken(secret())}`,
      );
      socket.on('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      socket.on('open', () => reject(new Error('the upgrade was accepted')));
      socket.on('error', () => undefined);
    });
    expect(status).toBe(503);
    const { socket } = await open(`type=server&token=${encodeConnectionToken(secret())}`);
    expect(sandbox.control.streamingConnections()).toBe(1);
    socket.close();
  });

  it('WS /streaming → closed with 4003 for a token of no environment (ES Streaming/StreamingMiddleware.cs, RequestValidator.cs)', async () => {
    const { closed } = await open(`type=server&token=${encodeConnectionToken('A'.repeat(43) + '=')}`);
    expect(await closed).toBe(4003);
  });

  it('WS /streaming → closed with 4003 for a stale token (StreamingOptions.TokenExpirySeconds 30)', async () => {
    const { closed } = await open(`type=server&token=${encodeConnectionToken(secret(), Date.now() - 60_000)}`);
    expect(await closed).toBe(4003);
  });

  it('WS /streaming → full data-sync for timestamp 0, pong for ping, a one-flag patch per change (DataSyncMessageHandler.cs, PingMessageHandler.cs, FeatureFlagChangeMessageConsumer.cs)', async () => {
    const { socket, messages } = await open(`type=server&token=${encodeConnectionToken(secret())}`);
    socket.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } }));
    expect(await next(messages, 1)).toMatchObject({ messageType: 'data-sync', data: { eventType: 'full' } });
    socket.send(JSON.stringify({ messageType: 'ping', data: null }));
    expect(await next(messages, 2)).toEqual({ messageType: 'pong', data: {} });
    await world.call('PUT', `${flags}/${GOVERNED}/toggle/false`, { body: {} });
    const patch = (await next(messages, 3)) as {
      data: { eventType: string; featureFlags: { key: string; isEnabled: boolean }[]; segments: unknown[] };
    };
    expect(patch.data.eventType).toBe('patch');
    expect(patch.data.featureFlags.map((item) => [item.key, item.isEnabled])).toEqual([[GOVERNED, false]]);
    expect(patch.data.segments).toEqual([]);
    socket.close();
  });
});

describe('segments across environments (BE Application/Segments/GetSegment.cs, SegmentService.GetAsync(id) ignores the env)', () => {
  it('GET and PUT targeting reach a segment of another environment; permission-guarded routes answer 403 for it', async () => {
    const other = '22222222-3333-4444-8555-666666666666';
    const box = await createSandbox({
      environments: [{ id: ENV }, { id: other, name: 'other' }],
      seeds: [readReference('server-sdk-segments.eval-server-fakes.json')],
    });
    try {
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${box.url}/api/v1/envs/${other}/segments/${SEGMENT_USED}${path}`, {
          method,
          headers: { authorization: box.tokens.demo.token, 'content-type': 'application/json' },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        });
      const got = (await (await call('GET', '')).json()) as { data: { envId: string } };
      expect(got.data.envId).toBe(ENV);
      expect((await call('PUT', '/targeting', { included: ['from-other-env'], excluded: [], rules: [] })).status).toBe(
        200,
      );
      expect(box.control.store.rawSegment(ENV, SEGMENT_USED).included).toEqual(['from-other-env']);
      expect((await call('PUT', '/name', { name: 'renamed' })).status).toBe(403);
    } finally {
      await box.close();
    }
  });
});

describe('older FeatBit releases as the sandbox plays them (BE Api/Controllers/FeatureFlagController.cs history)', () => {
  const start = (version: string) =>
    createSandbox({ featBitVersion: version, seeds: [{ featureFlags: [governedFlag], segments: [] }] });
  const request = (box: Sandbox, method: string, path: string, body?: unknown) =>
    fetch(`${box.url}${path}`, {
      method,
      headers: { authorization: box.tokens.demo.token, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });

  it('5.3.2: PUT targeting by access token → 403 with an empty body ([OpenApi] came with #893 in 5.3.3)', async () => {
    const box = await start('5.3.2');
    try {
      const flag = box.control.store.rawFlag(ENV, GOVERNED);
      const response = await request(box, 'PUT', `${flags}/${GOVERNED}/targeting`, {
        revision: flag.revision,
        targeting: targetingOf(flag),
      });
      expect([response.status, await response.text()]).toEqual([403, '']);
      expect((await request(box, 'PUT', `${flags}/${GOVERNED}/toggle/false`, {})).status).toBe(200);
    } finally {
      await box.close();
    }
  });

  it('5.2.1: flags carry no revision and guarded writes answer true without checking one (revisions came with #850 in 5.2.2)', async () => {
    const box = await start('5.2.1');
    try {
      const got = (await (await request(box, 'GET', `${flags}/${GOVERNED}`)).json()) as {
        data: Record<string, unknown>;
      };
      expect(got.data).not.toHaveProperty('revision');
      const written = await request(box, 'PUT', `${flags}/${GOVERNED}/variations`, {
        variations: [{ id: CURRENT, name: 'current', value: '1' }],
      });
      expect(await written.json()).toEqual(envelope(true));
    } finally {
      await box.close();
    }
  });

  it('5.0.0: GET audit-logs by access token → 403 with an empty body ([OpenApi] came with #742 in 5.0.1)', async () => {
    const box = await start('5.0.0');
    try {
      const response = await request(box, 'GET', `/api/v1/envs/${ENV}/audit-logs`);
      expect([response.status, await response.text()]).toEqual([403, '']);
    } finally {
      await box.close();
    }
  });
});
