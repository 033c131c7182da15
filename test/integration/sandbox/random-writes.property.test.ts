import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createSandbox, encodeConnectionToken, SandboxPermission, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';

/**
 * Random sequences of FeatBit writes through every route, with arbitrary bodies (JSON Patch documents included)
 * and tokens holding random permissions, against one sandbox per sequence over real HTTP. After every request:
 * the answer is one FeatBit gives (a known status, FeatBit's envelope or problem details), a refused write changed
 * nothing, and no flag disappeared except by a successful DELETE. After every sequence: the polling feed equals the
 * stored state, and a streaming SDK connection that received the initial full sync plus every patch holds exactly
 * the stored state too.
 */

const ENV = '226b9bf8-4af3-4ffa-9b01-162270e4cd40';
const SEGMENT = '0779d76b-afc6-4886-ab65-af8c004273ad';
const KEYS = [
  'returns-true',
  'return-10p-true',
  'individual-targeting',
  'two-custom-rules',
  'custom-rule-with-segment',
  'missing',
  'RETURNS-TRUE',
];
const STATUSES = [200, 400, 403, 404, 409, 422, 500];
const ALL_PERMISSIONS = Object.values(SandboxPermission);
const SDK_FIELDS = [
  'id',
  'envId',
  'name',
  'description',
  'key',
  'variationType',
  'variations',
  'targetUsers',
  'rules',
  'isEnabled',
  'disabledVariationId',
  'fallthrough',
  'exptIncludeAllTargets',
  'tags',
  'updatedAt',
  'isArchived',
];

type Revision = 'current' | 'stale' | 'missing' | 'garbage';
interface Write {
  readonly method: string;
  readonly path: (key: string) => string;
  readonly key: string;
  readonly revision?: Revision;
  readonly body: unknown;
  readonly permissions: readonly string[] | 'all';
}

const json = fc.jsonValue({ maxDepth: 3 });
const text = fc.oneof(
  fc.string({ maxLength: 12 }),
  fc.constant(null),
  fc.constantFrom('true', 'false', '', ' ', 'a\nb'),
);
const id = fc.oneof(fc.constantFrom('t', 'f', 'ghost', ''), fc.constant(null), fc.uuid());
const rollout = fc.oneof(
  fc
    .tuple(fc.double({ min: -0.5, max: 1.5, noNaN: true }), fc.double({ min: -0.5, max: 1.5, noNaN: true }))
    .map(([a, b]) => [a, b]),
  fc.array(fc.double({ noNaN: true, noDefaultInfinity: true }), { maxLength: 3 }),
  fc.constant(null),
);
const rolloutVariation = fc.record({
  id,
  rollout,
  exptRollout: fc.oneof(fc.double({ min: 0, max: 1, noNaN: true }), fc.constant('0.5')),
});
const condition = fc.record({
  id: fc.option(fc.string({ maxLength: 4 })),
  property: fc.oneof(text, fc.constantFrom('User is in segment', 'keyId', 'name')),
  op: fc.oneof(text, fc.constantFrom('Equal', 'IsOneOf', 'MatchRegex', 'IsTrue')),
  value: fc.oneof(text, fc.constant(`["${SEGMENT}"]`)),
});
const rule = fc.record({
  id: fc.option(fc.string({ maxLength: 4 })),
  name: text,
  dispatchKey: text,
  includedInExpt: fc.boolean(),
  conditions: fc.option(fc.array(condition, { maxLength: 2 })),
  variations: fc.option(fc.array(rolloutVariation, { maxLength: 3 })),
});
const targeting = fc.oneof(
  fc.record(
    {
      targetUsers: fc.option(
        fc.array(
          fc.record({
            keyIds: fc.option(fc.array(fc.option(fc.string({ maxLength: 5 })), { maxLength: 3 })),
            variationId: id,
          }),
          { maxLength: 2 },
        ),
      ),
      rules: fc.option(fc.array(rule, { maxLength: 3 })),
      fallthrough: fc.option(
        fc.record({
          dispatchKey: text,
          includedInExpt: fc.boolean(),
          variations: fc.option(fc.array(rolloutVariation, { maxLength: 3 })),
        }),
      ),
      exptIncludeAllTargets: fc.oneof(fc.boolean(), fc.constant('yes')),
    },
    { requiredKeys: [] },
  ),
  json,
);
const patchPath = fc.oneof(
  fc.constantFrom(
    '/isArchived',
    '/isEnabled',
    '/key',
    '/tags',
    '/tags/-',
    '/variationType',
    '/variations/0',
    '/variations/-',
    '/variations/0/value',
    '/fallthrough',
    '/fallthrough/variations/0/rollout',
    '/rules/0',
    '/rules/-',
    '/rules/0/conditions',
    '/disabledVariationId',
    '/id',
    '/envId',
    '/revision',
    '/unknown',
    '',
    '/Name',
  ),
  fc.string({ maxLength: 10 }).map((s) => `/${s}`),
);
const patchOperation = fc.record(
  {
    op: fc.oneof(fc.constantFrom('add', 'remove', 'replace', 'move', 'copy', 'test'), fc.string({ maxLength: 5 })),
    path: patchPath,
    from: patchPath,
    value: fc.oneof(json, rule, rolloutVariation, fc.record({ id, name: text, value: text })),
  },
  { requiredKeys: ['op', 'path'] },
);

const permissions = fc.oneof(fc.constant<'all'>('all'), fc.subarray(ALL_PERMISSIONS, { maxLength: 8 }));
const key = fc.constantFrom(...KEYS);
const revision = fc.constantFrom<Revision>('current', 'current', 'stale', 'missing', 'garbage');
const flagRoute = (suffix: string) => (k: string) =>
  `/api/v1/envs/${ENV}/feature-flags/${encodeURIComponent(k)}${suffix}`;

const write: fc.Arbitrary<Write> = fc.oneof(
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constantFrom('true', 'false', 'maybe').map((s) => flagRoute(`/toggle/${s}`)),
    key,
    body: fc.oneof(fc.constant({}), json),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/targeting')),
    key,
    revision,
    body: targeting.map((t) => ({ targeting: t })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/variations')),
    key,
    revision,
    body: fc
      .oneof(fc.array(fc.record({ id: text, name: text, value: text }), { maxLength: 3 }), json)
      .map((v) => ({ variations: v })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/off-variation')),
    key,
    revision,
    body: id.map((v) => ({ offVariationId: v })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/name')),
    key,
    body: text.map((name) => ({ name })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/description')),
    key,
    body: text.map((description) => ({ description })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constant(flagRoute('/tags')),
    key,
    body: fc.oneof(fc.array(fc.string({ maxLength: 6 }), { maxLength: 3 }), json).map((tags) => ({ tags })),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constantFrom(flagRoute('/archive'), flagRoute('/restore')),
    key,
    body: fc.constant({}),
    permissions,
  }),
  fc.record({
    method: fc.constant('DELETE'),
    path: fc.constant(flagRoute('')),
    key,
    body: fc.constant({}),
    permissions,
  }),
  fc.record({
    method: fc.constant('PATCH'),
    path: fc.constant(flagRoute('')),
    key,
    body: fc.oneof(fc.array(patchOperation, { maxLength: 4 }), json),
    permissions,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant((k: string) => `/api/v1/envs/${ENV}/feature-flags/clone/${encodeURIComponent(k)}`),
    key,
    body: fc.record({
      name: text,
      key: fc.oneof(fc.constantFrom('clone-1', 'Returns-True'), fc.string({ maxLength: 6 })),
      tags: fc.option(fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 })),
    }),
    permissions,
  }),
  fc.record({
    method: fc.constant('POST'),
    path: fc.constant(() => `/api/v1/envs/${ENV}/feature-flags`),
    key,
    body: fc.record({
      name: text,
      key: fc.oneof(fc.constantFrom('Returns-True', 'fresh', 'fresh.2'), fc.string({ maxLength: 6 })),
      variationType: fc.constantFrom('boolean', 'string', 'x'),
      variations: fc.constant([{ id: 'a', name: 'a', value: 'a' }]),
      enabledVariationId: fc.constantFrom('a', 'b'),
      disabledVariationId: fc.constant('a'),
    }),
    permissions,
  }),
  fc.record({
    method: fc.constant('PATCH'),
    path: fc.constant(() => `/api/v1/envs/${ENV}/segments/${SEGMENT}`),
    key,
    body: fc.oneof(
      fc.array(
        patchOperation.map((op) => ({
          ...op,
          path: op.path.replace(/^\/(isEnabled|key|variations|fallthrough)/, '/included'),
        })),
        { maxLength: 3 },
      ),
      json,
    ),
    permissions,
  }),
  fc.record({
    method: fc.constant('PUT'),
    path: fc.constantFrom(
      () => `/api/v1/envs/${ENV}/segments/${SEGMENT}/targeting`,
      () => `/api/v1/envs/${ENV}/segments/${SEGMENT}/archive`,
      () => `/api/v1/envs/${ENV}/segments/${SEGMENT}/restore`,
    ),
    key,
    body: fc.record({
      included: fc.oneof(fc.array(fc.string({ maxLength: 5 }), { maxLength: 3 }), fc.constant(null)),
      excluded: fc.constant([]),
      rules: fc.oneof(fc.constant([]), fc.array(rule, { maxLength: 2 }), fc.constant(null)),
    }),
    permissions,
  }),
);

/** What must not change when a write is refused: every flag, segment and audit entry. */
function snapshot(sandbox: Sandbox): string {
  const store = sandbox.control.store;
  return JSON.stringify({
    flags: store.rawFlags(ENV),
    segments: store.listSegments(ENV),
    audits: store.auditLogs(ENV).length,
  });
}

function sdkView(flag: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(SDK_FIELDS.map((field) => [field, flag[field]]));
}

async function streamingClient(sandbox: Sandbox) {
  const flags = new Map<string, Record<string, unknown>>();
  const segments = new Map<string, Record<string, unknown>>();
  let messages = 0;
  const socket = new WebSocket(
    `${sandbox.url.replace(/^http/, 'ws')}/streaming?type=server&token=${encodeConnectionToken(sandbox.envs[0]!.sdkSecret)}`,
  );
  socket.on('message', (data) => {
    const message = JSON.parse(data.toString()) as {
      data: { featureFlags: Record<string, unknown>[]; segments: Record<string, unknown>[] };
    };
    for (const flag of message.data.featureFlags) flags.set(String(flag['id']), sdkView(flag));
    for (const segment of message.data.segments) segments.set(String(segment['id']), segment);
    messages += 1;
  });
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => resolve());
    socket.on('error', reject);
  });
  socket.send(JSON.stringify({ messageType: 'data-sync', data: { timestamp: 0 } }));
  const deadline = Date.now() + 5_000;
  while (messages === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
  return { flags, segments, close: () => socket.close(), count: () => messages };
}

async function send(sandbox: Sandbox, item: Write) {
  const store = sandbox.control.store;
  const token = sandbox.tokens.issue('fuzzer', item.permissions === 'all' ? {} : { permissions: item.permissions });
  const current = store.findFlag(ENV, item.key)?.revision ?? '00000000-0000-4000-8000-000000000000';
  const revisionValue = {
    current,
    stale: '00000000-0000-4000-8000-000000000000',
    missing: undefined,
    garbage: 'not-a-guid',
  }[item.revision ?? 'missing'];
  const body =
    item.revision && typeof item.body === 'object' && item.body !== null && !Array.isArray(item.body)
      ? { ...item.body, revision: revisionValue }
      : item.body;
  const response = await fetch(`${sandbox.url}${item.path(item.key)}`, {
    method: item.method,
    headers: { authorization: token.token, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const raw = await response.text();
  return { status: response.status, raw, json: raw === '' ? undefined : (JSON.parse(raw) as { success?: boolean }) };
}

describe('random FeatBit writes through every route', () => {
  it('never crash the sandbox, never lose data, and the SDK feeds always carry what is stored', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(write, { minLength: 1, maxLength: 20 }), async (writes) => {
        const sandbox = await createSandbox({
          seeds: [
            readReference('server-sdk-flags.eval-server-fakes.json'),
            readReference('server-sdk-segments.eval-server-fakes.json'),
          ],
        });
        const stream = await streamingClient(sandbox);
        /** FeatBit saves a segment targeting change whose affected-flag query fails, then answers 500 without publishing it. */
        let unpublishedSegmentChange = false;
        try {
          for (const item of writes) {
            const before = snapshot(sandbox);
            const idsBefore = new Set(sandbox.control.store.rawFlags(ENV).map((flag) => flag.id));
            const target = sandbox.control.store.findFlag(ENV, item.key)?.id;
            const reply = await send(sandbox, item);
            expect(STATUSES, reply.raw).toContain(reply.status);
            const refused = reply.status !== 200 || reply.json?.success === false;
            const savedThen500 =
              reply.status === 500 &&
              item.method === 'PUT' &&
              item.path(item.key).endsWith('/targeting') &&
              item.path(item.key).includes('/segments/');
            if (savedThen500) unpublishedSegmentChange ||= snapshot(sandbox) !== before;
            else if (refused) expect(snapshot(sandbox)).toBe(before);
            const idsAfter = new Set(sandbox.control.store.rawFlags(ENV).map((flag) => flag.id));
            const deleted = item.method === 'DELETE' && !refused ? target : undefined;
            for (const flagId of idsBefore) if (flagId !== deleted) expect(idsAfter.has(flagId)).toBe(true);
          }
          const stored = sandbox.control.store
            .rawFlags(ENV)
            .map((flag) => sdkView(flag as unknown as Record<string, unknown>));
          const polled = await fetch(`${sandbox.url}/api/public/sdk/server/latest-all?timestamp=0`, {
            headers: { authorization: sandbox.envs[0]!.sdkSecret },
          });
          const feed = (await polled.json()) as {
            data: { featureFlags: Record<string, unknown>[]; segments: Record<string, unknown>[] };
          };
          expect(feed.data.featureFlags).toEqual(stored);
          // A segment change touches its flags' updatedAt without a flag message on the stream (FeatBit's
          // OnSegmentUpdatedAsync publishes only the segment), so streamed flags are compared without it.
          const withoutTime = ({ updatedAt: _updatedAt, ...rest }: Record<string, unknown>) => rest;
          const expected = stored.map(withoutTime);
          const streamed = () =>
            [...stream.flags.values()]
              .filter((flag) => sandbox.control.store.rawFlags(ENV).some((item) => item.id === flag['id']))
              .map(withoutTime);
          const deadline = Date.now() + 5_000;
          while (JSON.stringify(streamed()) !== JSON.stringify(expected) && Date.now() < deadline)
            await new Promise((resolve) => setTimeout(resolve, 10));
          expect(streamed()).toEqual(expected);
          if (!unpublishedSegmentChange) expect([...stream.segments.values()]).toEqual(feed.data.segments);
        } finally {
          stream.close();
          await sandbox.close();
        }
      }),
      { numRuns: 60 },
    );
  }, 240_000);
});
