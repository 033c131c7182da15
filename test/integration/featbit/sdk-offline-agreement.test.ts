import { FbClientBuilder, type IFbClient, type IUser } from '@featbit/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchBucket, evaluateFlag, type FeatBitUser, type SegmentLookup } from '@featgate/openfeature/evaluator';
import { flagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment } from '../../../src/featbit/model/index.js';
import { readReference } from '../../support/reference.js';
import { pickWith, seededRandom } from '../../support/seeded-random.js';

const CONTEXTS = 10_000;

/**
 * A flag of our own (not from FeatBit) that exercises the operators and segment negation the reference flags do
 * not, on attributes every generated context carries, so no documented SDK bug can be reached.
 */
function operatorCoverageFlag(template: FeatBitFlag): unknown {
  const [on, off] = template.variations.map((variation) => variation.id) as [string, string];
  const rule = (
    id: string,
    conditions: object[],
    rollouts: [string, number, number][],
    dispatchKey: string | null = null,
  ) => ({
    id,
    name: id,
    dispatchKey,
    includedInExpt: false,
    conditions,
    variations: rollouts.map(([vid, min, max]) => ({ id: vid, rollout: [min, max], exptRollout: 1 })),
  });
  return {
    ...template,
    id: 'operator-coverage',
    key: 'operator-coverage',
    targetUsers: [{ keyIds: ['user-7', 'user-8'], variationId: off }],
    rules: [
      rule(
        'contains',
        [
          { property: 'name', op: 'Contains', value: 'nn' },
          { property: 'age', op: 'LessThan', value: '30' },
        ],
        [[on, 0, 1]],
      ),
      rule(
        'starts',
        [
          { property: 'name', op: 'StartsWith', value: 'bo' },
          { property: 'isMember', op: 'IsFalse', value: 'IsFalse' },
        ],
        [
          [on, 0, 0.5],
          [off, 0.5, 1],
        ],
        'country',
      ),
      rule(
        'not-one-of',
        [
          { property: 'country', op: 'NotOneOf', value: '["cn","us"]' },
          { property: 'age', op: 'BiggerEqualThan', value: '40' },
        ],
        [
          [off, 0, 0.3],
          [on, 0.3, 1],
        ],
        'name',
      ),
      rule(
        'not-in-segment',
        [
          { property: 'User is not in segment', op: null, value: '["0779d76b-afc6-4886-ab65-af8c004273ad"]' },
          { property: 'country', op: 'Equal', value: 'jp' },
        ],
        [[on, 0, 1]],
      ),
      rule(
        'empty-conditions-never-reached',
        [
          { property: 'name', op: 'NotContain', value: 'zzz' },
          { property: 'age', op: 'LessEqualThan', value: '5' },
        ],
        [[off, 0, 1]],
      ),
    ],
    fallthrough: {
      dispatchKey: 'keyId',
      includedInExpt: true,
      variations: [
        { id: on, rollout: [0, 0.25], exptRollout: 1 },
        { id: off, rollout: [0.25, 1], exptRollout: 1 },
      ],
    },
  };
}

/** A flag whose default rule buckets on `plan` and splits between the buckets of `key + ""` and `key + "undefined"`. */
function missingDispatchFlag(template: FeatBitFlag): FeatBitFlag {
  const key = 'dispatch-on-missing-plan';
  const [low, high] = [dispatchBucket(key, ''), dispatchBucket(key, 'undefined')].sort((a, b) => a - b) as [
    number,
    number,
  ];
  const split = (low + high) / 2;
  const [on, off] = template.variations.map((variation) => variation.id) as [string, string];
  return flagSchema.parse({
    ...template,
    id: key,
    key,
    rules: [],
    targetUsers: [],
    fallthrough: {
      dispatchKey: 'plan',
      includedInExpt: true,
      variations: [
        { id: on, rollout: [0, split], exptRollout: 1 },
        { id: off, rollout: [split, 1], exptRollout: 1 },
      ],
    },
  });
}

const NAMES = ['ann', 'bob', 'bonnie', 'carl_qa', 'dana_qa', 'erin', 'al', 'anna', 'boris'];
const COUNTRIES = ['cn', 'us', 'jp', 'gb', 'es', 'ss', 'fr', 'de', 'CN'];
const MEMBER = ['true', 'false', 'TRUE', 'False', 'yes'];
const TARGET_KEYS = ['true-1', 'true-5', 'true-10', 'false-1', 'false-3', 'false-5'];

/**
 * Generates a context. Every context has a name (the SDK makes `NotEqual` true and `EndsWith` throw on a missing
 * name where the server matches nothing) and numbers are plain decimals (the SDK's parseFloat accepts `"12abc"`).
 * `age`, `country` and `isMember` are sometimes absent: all operators on them agree with the server then.
 */
function generateContext(random: () => number, index: number): FeatBitUser {
  const pick = pickWith(random);
  const keyId = random() < 0.15 ? pick(TARGET_KEYS) : `user-${index}`;
  const customizedProperties: Record<string, string> = {};
  if (random() < 0.9)
    customizedProperties.age = random() < 0.2 ? (random() * 60).toFixed(1) : String(Math.floor(random() * 60));
  if (random() < 0.9) customizedProperties.country = pick(COUNTRIES);
  if (random() < 0.8) customizedProperties.isMember = pick(MEMBER);
  return { keyId, name: pick(NAMES), customizedProperties };
}

function toSdkUser(user: FeatBitUser): IUser {
  return {
    key: user.keyId,
    name: user.name ?? '',
    customizedProperties: Object.entries(user.customizedProperties ?? {}).map(([name, value]) => ({ name, value })),
  };
}

describe('our evaluator agrees with @featbit/node-server-sdk 1.3.0 (offline, JSON bootstrap)', () => {
  const rawFlags = readReference('server-sdk-flags.eval-server-fakes.json') as FeatBitFlag[];
  const rawSegments = readReference('server-sdk-segments.eval-server-fakes.json') as FeatBitSegment[];
  const bootstrap = readReference('sdk-bootstrap.node-sdk-test.json') as { data: { featureFlags: FeatBitFlag[] } };
  const sdkFlags = [...rawFlags, ...bootstrap.data.featureFlags, operatorCoverageFlag(rawFlags[0]!)] as {
    key: string;
    updatedAt?: string;
  }[];
  const flags = sdkFlags.map((flag) => flagSchema.parse(flag));
  const segmentList = rawSegments.map((segment) => segmentSchema.parse(segment));
  const byId = new Map(segmentList.map((segment) => [segment.id, segment]));
  const segments: SegmentLookup = (id) => byId.get(id);
  const divergent = missingDispatchFlag(flags[0]!);
  let client: IFbClient;

  beforeAll(async () => {
    const featureFlags = [...sdkFlags, divergent].map((flag) => ({
      ...flag,
      updatedAt: flag.updatedAt ?? '2024-01-01T00:00:00.000Z',
    }));
    const json = JSON.stringify({
      messageType: 'data-sync',
      data: { eventType: 'full', featureFlags, segments: rawSegments },
    });
    client = new FbClientBuilder().offline(true).logLevel('none').useJsonBootstrapProvider(json).build();
    await client.waitForInitialization();
  });

  afterAll(async () => {
    await client.close();
  });

  it(`serves the same variation and reason kind for ${CONTEXTS} generated contexts on every flag`, async () => {
    const random = seededRandom(20260701);
    const disagreements: string[] = [];
    const kinds = new Map<string, number>();
    for (let index = 0; index < CONTEXTS; index += 1) {
      const user = generateContext(random, index);
      const sdkUser = toSdkUser(user);
      for (const flag of flags) {
        const ours = evaluateFlag(flag, user, segments);
        const theirs = await client.stringVariationDetail(flag.key, sdkUser, '<default>');
        kinds.set(`${flag.key}:${ours.kind}`, (kinds.get(`${flag.key}:${ours.kind}`) ?? 0) + 1);
        if (ours.value !== theirs.value || ours.kind !== String(theirs.kind)) {
          disagreements.push(
            `${flag.key} ${JSON.stringify(user)}: ours ${ours.kind}/${ours.value}, sdk ${theirs.kind}/${theirs.value}`,
          );
        }
      }
    }
    expect(disagreements.slice(0, 5)).toEqual([]);
    for (const flag of flags) {
      const reached = [...kinds.keys()].filter((key) => key.startsWith(`${flag.key}:`));
      expect(reached.length, `${flag.key} reaches more than one decision step`).toBeGreaterThan(
        flag.rules.length > 0 || flag.targetUsers.length > 0 ? 1 : 0,
      );
    }
    expect(kinds.get('operator-coverage:RuleMatch')).toBeGreaterThan(CONTEXTS / 10);
  });

  it('differs from the SDK where the server differs: a missing dispatch attribute hashes as "", not "undefined"', async () => {
    const ours = evaluateFlag(divergent, { keyId: 'anyone' }, segments);
    const theirs = await client.stringVariationDetail(
      divergent.key,
      { key: 'anyone', name: 'x', customizedProperties: [] },
      '<default>',
    );
    expect(ours.value).toBe(
      evaluateFlag(divergent, { keyId: 'other', customizedProperties: { plan: '' } }, segments).value,
    );
    expect(theirs.value).toBe(
      evaluateFlag(divergent, { keyId: 'other', customizedProperties: { plan: 'undefined' } }, segments).value,
    );
    expect(ours.value).not.toBe(theirs.value);
  });
});
