import { DataSyncModeEnum, FbClientBuilder, UserBuilder, type IFbClient } from '@featbit/node-server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateFlag, type FeatBitUser } from '../../../src/featbit/evaluator/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { readReference } from '../../support/reference.js';
import { pickWith, seededRandom } from '../../support/seeded-random.js';

const CONTEXTS = 10_000;
let sandbox: Sandbox;
let client: IFbClient;
let envId: string;

/**
 * Users covering the reference data: listed target keys and segment members, names with and without the `_qa`
 * suffix, ages around every threshold, listed and unlisted countries. Every attribute the rules read is present
 * and a string, which keeps clear of the Node SDK's documented bugs (TypeError on missing attributes in string
 * operators; `flagKey + "undefined"` dispatch on a missing attribute; `parseFloat` leniency).
 */
function generateUsers(count: number): FeatBitUser[] {
  const random = seededRandom(20240607);
  const pick = pickWith(random);
  const listedKeys = [...Array.from({ length: 10 }, (_, i) => `true-${i + 1}`), ...Array.from({ length: 5 }, (_, i) => `false-${i + 1}`)];
  const names = ['alice', 'bob', 'carol_qa', 'dave_qa', 'erin', 'qa', '_qa', 'frank_QA'];
  const countries = ['cn', 'us', 'jp', 'gb', 'es', 'ss', 'fr', 'de', 'CN', ''];
  return Array.from({ length: count }, (_, index) => ({
    keyId: random() < 0.1 ? pick(listedKeys) : `user-${index}-${Math.floor(random() * 1e9).toString(36)}`,
    name: pick(names),
    customizedProperties: {
      age: String(pick([18, 20, 21, 22, 23, 29, 30, 31, 45, Math.floor(random() * 80)])),
      country: pick(countries),
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
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

beforeAll(async () => {
  sandbox = await createSandbox({
    seeds: [readReference('server-sdk-flags.eval-server-fakes.json'), readReference('server-sdk-segments.eval-server-fakes.json')],
  });
  envId = sandbox.envs[0]!.id;
  client = new FbClientBuilder({
    sdkKey: sandbox.envs[0]!.sdkSecret,
    dataSyncMode: DataSyncModeEnum.POLLING,
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

/** Compares the SDK's and our evaluator's value for every flag and user; returns the disagreements. */
async function disagreements(users: readonly FeatBitUser[]): Promise<string[]> {
  const flags = sandbox.control.store.listFlags(envId);
  const segments = sandbox.control.store.listSegments(envId);
  const lookup = (id: string) => segments.find((segment) => segment.id === id);
  const mismatches: string[] = [];
  for (const user of users) {
    const target = sdkUser(user);
    for (const flag of flags) {
      const ours = evaluateFlag(flag, user, lookup);
      const theirs = await client.boolVariationDetail(flag.key, target, false);
      if (String(theirs.value) !== ours.value) mismatches.push(`${flag.key} ${JSON.stringify(user)}: sdk ${String(theirs.value)} (${theirs.reason}), ours ${ours.value} (${ours.reason})`);
    }
  }
  return mismatches;
}

describe('real @featbit/node-server-sdk polling the sandbox', () => {
  it(`agrees with our evaluator on the reference flags and segments for ${CONTEXTS} generated users`, async () => {
    const flags = sandbox.control.store.listFlags(envId);
    expect(flags.map((flag) => flag.variationType)).toEqual(Array(5).fill('boolean'));
    const users = generateUsers(CONTEXTS);
    const mismatches = await disagreements(users);
    expect(mismatches.slice(0, 5)).toEqual([]);
    const segments = sandbox.control.store.listSegments(envId);
    const servedValues = Object.fromEntries(
      flags.map((flag) => [flag.key, [...new Set(users.map((user) => evaluateFlag(flag, user, (id) => segments.find((s) => s.id === id)).value))].sort()]),
    );
    expect(servedValues).toEqual({
      'returns-true': ['true'],
      'return-10p-true': ['false', 'true'],
      'individual-targeting': ['false', 'true'],
      'two-custom-rules': ['false', 'true'],
      'custom-rule-with-segment': ['false', 'true'],
    });
  }, 120_000);

  it('picks up REST edits through polling patches and still agrees', async () => {
    const rest = new FeatBitRestClient({ baseUrl: sandbox.url, accessToken: sandbox.tokens.issue('alice').token });
    const probe = sdkUser({ keyId: 'user-12', name: 'x', customizedProperties: {} });
    expect((await client.boolVariationDetail('return-10p-true', probe, false)).value).toBe(true);
    await rest.toggle(envId, 'return-10p-true', false);
    await waitFor(async () => (await client.boolVariationDetail('return-10p-true', probe, true)).value === false, 5_000);
    const segment = sandbox.control.store.getSegment(envId, '556c11b2-f08a-4e10-b0b7-af8e008125b3');
    await rest.updateSegmentTargeting(envId, segment.id, { included: ['segment-newcomer'], excluded: [], rules: segment.rules });
    const newcomer = { keyId: 'segment-newcomer', name: 'n', customizedProperties: { age: '1', country: 'fr', isMember: 'false' } };
    await waitFor(async () => (await client.boolVariationDetail('custom-rule-with-segment', sdkUser(newcomer), false)).value === true, 5_000);
    expect(await disagreements(generateUsers(500))).toEqual([]);
  }, 30_000);
});
