import { DataSyncModeEnum, FbClientBuilder, UserBuilder, type IFbClient } from '@featbit/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFlag, type FeatBitUser } from '@featgate/openfeature/evaluator';
import type { FeatBitFlag, FeatBitSegment } from '../../../src/featbit/model/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';
import { pickWith, seededRandom } from '../../support/seeded-random.js';

/**
 * The real `@featbit/node-server-sdk` 1.3.0 against the sandbox, once polling `latest-all` and once over the
 * `/streaming` WebSocket, on FeatBit's reference flags and segments (test/fixtures/featbit-reference) with some
 * flags archived: both modes must serve what featgate's evaluator computes from the sandbox's stored state.
 */

const CONTEXTS = 3_000;
const ARCHIVED = ['return-10p-true', 'two-custom-rules'];

/** Users covering the reference data with every attribute present (clear of the SDK's missing-attribute bugs). */
function generateUsers(count: number, seed: number): FeatBitUser[] {
  const random = seededRandom(seed);
  const pick = pickWith(random);
  const listedKeys = [
    ...Array.from({ length: 10 }, (_, i) => `true-${i + 1}`),
    ...Array.from({ length: 5 }, (_, i) => `false-${i + 1}`),
  ];
  return Array.from({ length: count }, (_, index) => ({
    keyId: random() < 0.1 ? pick(listedKeys) : `user-${index}-${Math.floor(random() * 1e9).toString(36)}`,
    name: pick(['alice', 'bob', 'carol_qa', 'dave_qa', 'erin', 'qa', '_qa', 'frank_QA']),
    customizedProperties: {
      age: String(pick([18, 20, 21, 22, 23, 29, 30, 31, 45, Math.floor(random() * 80)])),
      country: pick(['cn', 'us', 'jp', 'gb', 'es', 'ss', 'fr', 'de', 'CN', '']),
      isMember: pick(['true', 'false', 'TRUE', 'no']),
    },
  }));
}

function sdkUser(user: FeatBitUser) {
  const builder = new UserBuilder(user.keyId).name(user.name ?? '');
  for (const [name, value] of Object.entries(user.customizedProperties ?? {})) builder.custom(name, value);
  return builder.build();
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

interface ModeWorld {
  sandbox: Sandbox;
  client: IFbClient;
  envId: string;
}

async function startWorld(mode: DataSyncModeEnum): Promise<ModeWorld> {
  const sandbox = await createSandbox({
    seeds: [
      readReference('server-sdk-flags.eval-server-fakes.json'),
      readReference('server-sdk-segments.eval-server-fakes.json'),
    ],
  });
  const envId = sandbox.envs[0]!.id;
  for (const key of ARCHIVED) {
    const response = await fetch(`${sandbox.url}/api/v1/envs/${envId}/feature-flags/${key}/archive`, {
      method: 'PUT',
      headers: { authorization: sandbox.tokens.demo.token, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(200);
  }
  const client = new FbClientBuilder({
    sdkKey: sandbox.envs[0]!.sdkSecret,
    dataSyncMode: mode,
    streamingUri: sandbox.url,
    pollingUri: sandbox.url,
    eventsUri: sandbox.url,
    pollingInterval: 100,
    disableEvents: true,
    logLevel: 'none',
  }).build();
  await client.waitForInitialization();
  return { sandbox, client, envId };
}

/** The SDK's value and featgate's evaluator's value for every stored flag and user, where they differ. */
async function disagreements(
  world: ModeWorld,
  users: readonly FeatBitUser[],
  evaluateAs: (flag: FeatBitFlag) => FeatBitFlag = (flag) => flag,
): Promise<string[]> {
  const flags = world.sandbox.control.store.rawFlags(world.envId) as unknown as FeatBitFlag[];
  const segments = world.sandbox.control.store.listSegments(world.envId) as unknown as FeatBitSegment[];
  const lookup = (id: string) => segments.find((segment) => segment.id === id);
  const mismatches: string[] = [];
  for (const user of users) {
    const target = sdkUser(user);
    for (const flag of flags) {
      const ours = evaluateFlag(evaluateAs(flag), user, lookup);
      const theirs = await world.client.boolVariationDetail(flag.key, target, false);
      const oursValue = 'value' in ours ? ours.value : '(no variation)';
      if (String(theirs.value) !== oursValue)
        mismatches.push(
          `${flag.key} ${user.keyId}: sdk ${String(theirs.value)} (${theirs.reason}), ours ${oursValue} (${ours.reason})`,
        );
    }
  }
  return mismatches;
}

describe.each([
  ['polling', DataSyncModeEnum.POLLING],
  ['streaming', DataSyncModeEnum.STREAMING],
])('the real Node server SDK in %s mode', (_name, mode) => {
  let world: ModeWorld;

  beforeAll(async () => {
    world = await startWorld(mode);
  });

  afterAll(async () => {
    await world?.client.close();
    await world?.sandbox.close();
  });

  it('syncs through the channel of its mode', () => {
    expect(world.sandbox.control.streamingConnections()).toBe(mode === DataSyncModeEnum.STREAMING ? 1 : 0);
  });

  it('receives archived flags and serves them as if they were not archived', async () => {
    const flags = world.sandbox.control.store.rawFlags(world.envId);
    expect(
      flags
        .filter((flag) => flag.isArchived)
        .map((flag) => flag.key)
        .sort(),
    ).toEqual([...ARCHIVED].sort());
    const users = generateUsers(CONTEXTS, 11);
    const unarchived = (flag: FeatBitFlag) => ({ ...flag, isArchived: false });
    expect((await disagreements(world, users, unarchived)).slice(0, 5)).toEqual([]);
  }, 120_000);

  it('agrees with featgate evaluator on every unarchived reference flag', async () => {
    const users = generateUsers(CONTEXTS, 12);
    const mismatches = (await disagreements(world, users)).filter(
      (line) => !ARCHIVED.some((key) => line.startsWith(`${key} `)),
    );
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 120_000);

  // Issue 11, E-1: the Node server SDK serves archived flags normally, and so does featgate's evaluator.
  it('agrees with featgate evaluator on archived flags too', async () => {
    const users = generateUsers(200, 13);
    expect(await disagreements(world, users)).toEqual([]);
  }, 60_000);

  it('sees a PATCH that widens an archived flag and still agrees with the stored state', async () => {
    const key = 'return-10p-true';
    const flag = world.sandbox.control.store.rawFlag(world.envId, key);
    const trueId = flag.variations!.find((variation) => variation.value === 'true')!.id;
    const response = await fetch(`${world.sandbox.url}/api/v1/envs/${world.envId}/feature-flags/${key}`, {
      method: 'PATCH',
      headers: {
        authorization: world.sandbox.tokens.issue('mallory', { permissions: [] }).token,
        'content-type': 'application/json',
      },
      body: JSON.stringify([
        {
          op: 'replace',
          path: '/fallthrough/variations',
          value: [{ id: trueId, rollout: [0, 1.0000001], exptRollout: 1 }],
        },
      ]),
    });
    expect(await response.json()).toEqual({ success: true, errors: [], data: true });
    const probe = sdkUser({ keyId: 'user-1', name: 'x', customizedProperties: {} });
    await waitFor(async () => (await world.client.boolVariationDetail(key, probe, false)).value === true, 5_000);
    const users = generateUsers(500, 14);
    expect(await disagreements(world, users, (stored) => ({ ...stored, isArchived: false }))).toEqual([]);
  }, 30_000);
});

/**
 * Flags a hostile admin can make FeatBit store (PUT targeting has no validator, JSON Patch types only): the real
 * SDK and featgate's evaluator must agree on them too, value for value, and on when there is no value.
 */
const HOSTILE_ENV = '226b9bf8-4af3-4ffa-9b01-162270e4cd40';
function hostileFlag(key: string, over: Record<string, unknown>): Record<string, unknown> {
  return {
    id: `hostile-${key}`,
    envId: HOSTILE_ENV,
    key,
    name: key,
    variationType: 'string',
    variations: [
      { id: 'a', name: 'a', value: 'A' },
      { id: 'b', name: 'b', value: 'B' },
    ],
    targetUsers: [],
    rules: [],
    isEnabled: true,
    disabledVariationId: 'a',
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations: [{ id: 'a', rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
    ...over,
  };
}
const fallthroughOf = (...variations: [string, number, number][]) => ({
  dispatchKey: null,
  includedInExpt: true,
  variations: variations.map(([id, from, to]) => ({ id, rollout: [from, to], exptRollout: 1 })),
});
const HOSTILE_FLAGS = [
  hostileFlag('rollout-above-one', { fallthrough: fallthroughOf(['b', 0, 1.0000001]) }),
  hostileFlag('null-value', {
    variations: [
      { id: 'a', name: 'a', value: 'A' },
      { id: 'b', name: 'b', value: null },
    ],
    fallthrough: fallthroughOf(['b', 0, 1]),
  }),
  hostileFlag('null-property', {
    rules: [
      {
        id: 'r',
        name: 'r',
        dispatchKey: null,
        includedInExpt: false,
        conditions: [{ id: 'c', property: null, op: 'IsTrue', value: null }],
        variations: [{ id: 'b', rollout: [0, 1], exptRollout: 1 }],
      },
    ],
  }),
  hostileFlag('rollout-gap', { fallthrough: fallthroughOf(['b', 0, 0.3]) }),
  hostileFlag('negative-bound', { fallthrough: fallthroughOf(['b', -0.5, 0.5], ['a', 0.5, 1]) }),
  hostileFlag('off-variation-unknown', { isEnabled: false, disabledVariationId: 'ghost' }),
  hostileFlag('archived-widened', { isArchived: true, fallthrough: fallthroughOf(['b', 0, 1]) }),
];

describe.each([
  ['polling', DataSyncModeEnum.POLLING],
  ['streaming', DataSyncModeEnum.STREAMING],
])('the real Node server SDK in %s mode on flags a hostile admin left in FeatBit', (_name, mode) => {
  let sandbox: Sandbox;
  let client: IFbClient;

  beforeAll(async () => {
    sandbox = await createSandbox({
      seeds: [
        {
          featureFlags: [
            ...HOSTILE_FLAGS,
            hostileFlag('target-unknown-variation', { targetUsers: [{ keyIds: ['vip'], variationId: 'ghost' }] }),
          ],
          segments: [],
        },
      ],
    });
    client = new FbClientBuilder({
      sdkKey: sandbox.envs[0]!.sdkSecret,
      dataSyncMode: mode,
      streamingUri: sandbox.url,
      pollingUri: sandbox.url,
      eventsUri: sandbox.url,
      pollingInterval: 100,
      disableEvents: true,
      logLevel: 'none',
    }).build();
    await client.waitForInitialization();
  });

  afterAll(async () => {
    await client?.close();
    await sandbox?.close();
  });

  it('serves what featgate evaluator computes, archived flags evaluated as unarchived', async () => {
    const mismatches: string[] = [];
    for (const flag of HOSTILE_FLAGS) {
      const stored = sandbox.control.store.rawFlag(HOSTILE_ENV, String(flag['key'])) as unknown as FeatBitFlag;
      for (const user of generateUsers(300, 21)) {
        const theirs = await client.stringVariationDetail(stored.key, sdkUser(user), 'SDK-DEFAULT');
        const ours = evaluateFlag({ ...stored, isArchived: false }, user, () => undefined);
        const oursValue = 'value' in ours ? ours.value : 'SDK-DEFAULT';
        if (theirs.value !== oursValue)
          mismatches.push(
            `${stored.key} ${user.keyId}: sdk ${String(theirs.value)} (${theirs.kind}), ours ${String(oursValue)} (${ours.kind})`,
          );
      }
    }
    expect(mismatches.slice(0, 5)).toEqual([]);
  }, 60_000);

  it('throws a TypeError to the caller for a user targeted at a variation the flag does not have, where featgate sees no variation', async () => {
    const stored = sandbox.control.store.rawFlag(HOSTILE_ENV, 'target-unknown-variation') as unknown as FeatBitFlag;
    const vip = async () =>
      client.stringVariationDetail(
        stored.key,
        sdkUser({ keyId: 'vip', name: 'v', customizedProperties: {} }),
        'SDK-DEFAULT',
      );
    await expect(vip()).rejects.toBeInstanceOf(TypeError);
    expect(
      evaluateFlag(stored, { keyId: 'vip', name: 'v', customizedProperties: {} }, () => undefined),
    ).not.toHaveProperty('value');
    expect(
      (
        await client.stringVariationDetail(
          stored.key,
          sdkUser({ keyId: 'other', name: 'o', customizedProperties: {} }),
          'SDK-DEFAULT',
        )
      ).value,
    ).toBe('A');
  });
});
