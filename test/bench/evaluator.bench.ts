import { FbClientBuilder, type IUser } from '@featbit/node-server-sdk';
import { performance } from 'node:perf_hooks';
import { evaluateFlag, type FeatBitUser, type SegmentLookup } from '../../src/featbit/evaluator/index.js';
import { flagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment } from '../../src/featbit/model/index.js';
import { readReference } from '../support/reference.js';
import type { BenchContext } from './bench-context.js';

const CONTEXTS = 2_000;
const ROUNDS = 5;

function contexts(): FeatBitUser[] {
  const countries = ['cn', 'us', 'jp', 'fr', 'es'];
  return Array.from({ length: CONTEXTS }, (_, i) => ({
    keyId: i % 10 === 0 ? `true-${(i % 9) + 1}` : `user-${i}`,
    name: i % 3 === 0 ? `tester_${i}_qa` : `person-${i}`,
    customizedProperties: { age: String(15 + (i % 40)), country: countries[i % countries.length]!, isMember: i % 2 === 0 ? 'true' : 'false' },
  }));
}

function toSdkUser(user: FeatBitUser): IUser {
  return {
    key: user.keyId,
    name: user.name ?? '',
    customizedProperties: Object.entries(user.customizedProperties ?? {}).map(([name, value]) => ({ name, value })),
  };
}

/** Runs `pass` (one evaluation of every flag for every context) several times and returns evaluations per second. */
async function evaluationsPerSecond(pass: () => Promise<number> | number): Promise<number> {
  await pass();
  let evaluations = 0;
  const start = performance.now();
  for (let round = 0; round < ROUNDS; round += 1) evaluations += await pass();
  return (evaluations * 1000) / (performance.now() - start);
}

/** Evaluations per second of our evaluator beside the Node SDK (offline, *VariationDetail) on the reference flags. */
export async function run(ctx: BenchContext): Promise<void> {
  const rawFlags = readReference('server-sdk-flags.eval-server-fakes.json') as FeatBitFlag[];
  const rawSegments = readReference('server-sdk-segments.eval-server-fakes.json') as FeatBitSegment[];
  const flags = rawFlags.map((flag) => flagSchema.parse(flag));
  const byId = new Map(rawSegments.map((segment) => [segment.id, segmentSchema.parse(segment)]));
  const segments: SegmentLookup = (id) => byId.get(id);
  const users = contexts();
  const sdkUsers = users.map(toSdkUser);
  const client = new FbClientBuilder()
    .offline(true)
    .logLevel('none')
    .useJsonBootstrapProvider(JSON.stringify({ messageType: 'data-sync', data: { eventType: 'full', featureFlags: rawFlags, segments: rawSegments } }))
    .build();
  await client.waitForInitialization();

  const ours = await evaluationsPerSecond(() => {
    let count = 0;
    for (const user of users) {
      for (const flag of flags) {
        if (evaluateFlag(flag, user, segments).variationId !== undefined) count += 1;
      }
    }
    return count;
  });
  const sdk = await evaluationsPerSecond(async () => {
    let count = 0;
    for (const user of sdkUsers) {
      for (const flag of flags) {
        await client.stringVariationDetail(flag.key, user, '');
        count += 1;
      }
    }
    return count;
  });
  await client.close();
  ctx.report('evaluator: featgate evaluations/s', Math.round(ours), 'evals/s', `${flags.length} reference flags x ${CONTEXTS} contexts`);
  ctx.report('evaluator: node-server-sdk evaluations/s', Math.round(sdk), 'evals/s', 'offline, stringVariationDetail, same flags and contexts');
  ctx.report('evaluator: featgate / node-server-sdk', ours / sdk, 'x', 'aim >= 1');
}
