import { createHash } from 'node:crypto';
import { FbClientBuilder, type IUser } from '@featbit/node-server-sdk';
import { performance } from 'node:perf_hooks';
import { evaluateFlag, md5FirstInt32LE, type FeatBitUser, type SegmentLookup } from '@featgate/openfeature/evaluator';
import { flagSchema, segmentSchema, type FeatBitFlag, type FeatBitSegment } from '../../src/featbit/model/index.js';
import { readReference } from '../support/reference.js';
import { percentile, type BenchContext } from './bench-context.js';

const CONTEXTS = 2_000;
const ROUNDS = 5;

function contexts(): FeatBitUser[] {
  const countries = ['cn', 'us', 'jp', 'fr', 'es'];
  return Array.from({ length: CONTEXTS }, (_, i) => ({
    keyId: i % 10 === 0 ? `true-${(i % 9) + 1}` : `user-${i}`,
    name: i % 3 === 0 ? `tester_${i}_qa` : `person-${i}`,
    customizedProperties: {
      age: String(15 + (i % 40)),
      country: countries[i % countries.length]!,
      isMember: i % 2 === 0 ? 'true' : 'false',
    },
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

/** Bucket hashes per second of `hash` over the dispatch values FeatBit hashes (flag key + user key). */
function hashesPerSecond(values: readonly string[], hash: (text: string) => number): number {
  let sink = 0;
  const start = performance.now();
  for (let pass = 0; pass < 5; pass += 1) for (const value of values) sink ^= hash(value);
  const elapsed = performance.now() - start;
  if (sink === 0.5) throw new Error('unreachable');
  return (values.length * 5 * 1000) / elapsed;
}

/** The portable MD5 beside node:crypto on bucketing inputs, in interleaved rounds (medians). */
function measureMd5(ctx: BenchContext): void {
  const values = Array.from(
    { length: 20_000 },
    (_, i) => `assistant-prompt-rollout${i % 7 === 0 ? `用户-${i}` : `user-${i}`}`,
  );
  const portable = (text: string) => md5FirstInt32LE(text);
  const native = (text: string) => createHash('md5').update(text, 'utf8').digest().readInt32LE(0);
  hashesPerSecond(values, portable);
  hashesPerSecond(values, native);
  const portableRounds: number[] = [];
  const nativeRounds: number[] = [];
  for (let round = 0; round < 5; round += 1) {
    portableRounds.push(hashesPerSecond(values, portable));
    nativeRounds.push(hashesPerSecond(values, native));
  }
  const ours = percentile(portableRounds, 50);
  const node = percentile(nativeRounds, 50);
  ctx.report('evaluator: portable MD5 bucket hashes/s', Math.round(ours), 'hashes/s', 'browser-safe, no node:crypto');
  ctx.report(
    'evaluator: node:crypto MD5 bucket hashes/s',
    Math.round(node),
    'hashes/s',
    'createHash per value, as the Node SDK does',
  );
  ctx.report('evaluator: portable / node:crypto MD5', ours / node, 'x');
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
    .useJsonBootstrapProvider(
      JSON.stringify({
        messageType: 'data-sync',
        data: { eventType: 'full', featureFlags: rawFlags, segments: rawSegments },
      }),
    )
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
  ctx.report(
    'evaluator: featgate evaluations/s',
    Math.round(ours),
    'evals/s',
    `${flags.length} reference flags x ${CONTEXTS} contexts`,
  );
  ctx.report(
    'evaluator: node-server-sdk evaluations/s',
    Math.round(sdk),
    'evals/s',
    'offline, stringVariationDetail, same flags and contexts',
  );
  ctx.report('evaluator: featgate / node-server-sdk', ours / sdk, 'x', 'aim >= 1');
  measureMd5(ctx);
}
