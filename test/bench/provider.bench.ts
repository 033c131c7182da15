import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import {
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  type EvaluationContext,
  type JsonValue,
  type Provider,
} from '@openfeature/server-sdk';
import { dispatchBucket } from '@featgate/openfeature/evaluator';
import type { FeatBitFlag } from '../../src/featbit/model/index.js';
import { FeatgateServerProvider, HttpManifestSource, StaticManifestSource } from '../../provider/index.js';
import {
  approvedState,
  featBitFlag,
  largePrompt,
  signedManifest,
  testSigningKey,
} from '../unit/provider/gate-fixtures.js';
import { sdkUserFromContext } from '../../provider/featbit/featbit-user.js';
import { liveFeatBit } from '../unit/provider/live-featbit.js';
import { startManifestService } from '../integration/provider/manifest-service.js';
import { percentile, type BenchContext } from './bench-context.js';

const ENV = 'env-bench';
const ROUNDS = 31;
const ROUND_MS = 200;
/** Rounds run and dropped before each FeatBit-backed figure, so both sides run optimised code when measured. */
const WARM_UP_ROUNDS = 5;
const BATCH = 100;
/** Governed flags added to the manifest for the large-manifest figures. */
const GOVERNED_FLAGS = 1_000;

/**
 * A young-generation collection, run between timed batches so that no batch is charged for collecting the garbage
 * the other side left (both sides parse a fresh 10 KB object per evaluation). A batch then rarely fills the young
 * generation itself, so collection is left out of both sides alike. `gc` is exposed from inside the process, since
 * `npm run bench` starts node without `--expose-gc`.
 */
const collectYoung: () => void = (() => {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as (options?: { type: 'minor' | 'major' }) => void;
  return () => gc({ type: 'minor' });
})();

/**
 * Evaluations per CPU-second of `a` and `b` measured together: batches of each alternate (the order flipping every
 * time) for about `durationMs`, each timed by the process CPU time (`process.cpuUsage`) it used, and each side's
 * median batch is its figure. CPU time does not grow while neighbours on this shared machine hold the cores,
 * alternation spreads the rest (caches, frequency) over both sides alike, the median leaves out the batches a
 * neighbour or a major collection interrupted, and a young collection before every batch starts each side on an
 * empty young generation, so their ratio is what the code costs, not what the machine or the other side did.
 */
async function interleavedOpsPerSecond(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  durationMs: number,
): Promise<{ a: number; b: number }> {
  const batchesA: number[] = [];
  const batchesB: number[] = [];
  const runBatch = async (fn: () => Promise<unknown>, into: number[]): Promise<void> => {
    collectYoung();
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i += 1) await fn();
    const used = process.cpuUsage(start);
    into.push((used.user + used.system) / 1000);
  };
  const until = performance.now() + durationMs;
  for (let batches = 0; performance.now() < until; batches += 1) {
    if (batches % 2 === 0) {
      await runBatch(a, batchesA);
      await runBatch(b, batchesB);
    } else {
      await runBatch(b, batchesB);
      await runBatch(a, batchesA);
    }
  }
  return { a: (BATCH * 1000) / percentile(batchesA, 50), b: (BATCH * 1000) / percentile(batchesB, 50) };
}

const base = largePrompt('base');
const candidate = largePrompt('candidate');
const rogue = largePrompt('rogue');

function promptFlag(key: string, candidateShare: number): FeatBitFlag {
  return featBitFlag({
    key,
    variationType: 'json',
    variations: [
      { id: 'base', name: 'base', value: JSON.stringify(base) },
      { id: 'candidate', name: 'candidate', value: JSON.stringify(candidate) },
    ],
    disabledVariationId: 'base',
    fallthrough: {
      variations: [
        { id: 'candidate', rollout: [0, candidateShare] },
        { id: 'base', rollout: [candidateShare, 1] },
      ],
    },
  });
}

/** One of the extra governed flags: a boolean kill switch with a rule on `plan`, as a large environment holds. */
function governedFiller(index: number): FeatBitFlag {
  return featBitFlag({
    key: `governed-${index}`,
    variationType: 'boolean',
    variations: [
      { id: 'off', name: 'off', value: 'false' },
      { id: 'on', name: 'on', value: 'true' },
    ],
    disabledVariationId: 'off',
    rules: [
      {
        id: `r-${index}`,
        name: 'pro',
        dispatchKey: null,
        conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }],
        variations: [{ id: 'on', rollout: [0, 1] }],
      },
    ],
    fallthrough: { variations: [{ id: 'off', rollout: [0, 1] }] },
  });
}

/** The flags the inner provider serves: the approved baseline, an approved candidate, and an edited (rogue) prompt. */
function innerFlags() {
  const serve = (value: JsonValue) => ({ variants: { served: value }, defaultVariant: 'served', disabled: false });
  return {
    'prompt-baseline': serve(base),
    'prompt-candidate': serve(candidate),
    'prompt-gated': serve(rogue),
    'tone-baseline': { variants: { calm: 'calm' }, defaultVariant: 'calm', disabled: false },
  };
}

/** A targeting key the approved 50 % candidate rollout puts inside (or outside) its grant, by FeatBit's own bucketing. */
function keyInsideGrant(flagKey: string, inside = true): string {
  return keysInsideGrant(flagKey, 1, inside)[0]!;
}

/** The first `count` user keys that fall inside (or outside) the 50% grant of `flagKey`. */
function keysInsideGrant(flagKey: string, count: number, inside = true): string[] {
  const keys: string[] = [];
  for (let index = 0; keys.length < count; index += 1)
    if (dispatchBucket(flagKey, `user-${index}`) <= 0.5 === inside) keys.push(`user-${index}`);
  return keys;
}

/** Distinct users each side of a FeatBit comparison cycles through, so no per-user memo serves a repeated user. */
const ROTATING_USERS = 1024;

type Client = ReturnType<typeof OpenFeature.getClient>;
type EvaluationPath = [name: string, evaluate: (client: Client) => Promise<unknown>, aim: number];

/** Prints bare and gated evaluations per CPU-second and their ratio for each path, after a shared warm-up. */
async function comparePaths(ctx: BenchContext, bare: Client, gated: Client, paths: EvaluationPath[]): Promise<void> {
  for (let warmUp = 0; warmUp < 2; warmUp += 1) {
    for (const [, evaluate] of paths)
      await interleavedOpsPerSecond(
        () => evaluate(bare),
        () => evaluate(gated),
        ROUND_MS,
      );
  }
  for (const [name, evaluate, aim] of paths) {
    await interleavedOpsPerSecond(
      () => evaluate(bare),
      () => evaluate(gated),
      ROUND_MS,
    );
    const bareRounds: number[] = [];
    const gatedRounds: number[] = [];
    const ratios: number[] = [];
    for (let round = 0; round < ROUNDS; round += 1) {
      const { a, b } = await interleavedOpsPerSecond(
        () => evaluate(bare),
        () => evaluate(gated),
        ROUND_MS,
      );
      bareRounds.push(a);
      gatedRounds.push(b);
      ratios.push(b / a);
    }
    const note = `per CPU-second; median of ${ROUNDS} rounds of ${ROUND_MS} ms, median batch of ${BATCH}, interleaved`;
    ctx.report(`provider ${name}: bare`, Math.round(percentile(bareRounds, 50)), 'evals/s', note);
    ctx.report(`provider ${name}: gated`, Math.round(percentile(gatedRounds, 50)), 'evals/s', note);
    ctx.report(
      `provider ${name}: gated/bare`,
      percentile(ratios, 50),
      'ratio',
      aim > 0 ? `aim >= ${aim}` : 'no aim: every evaluation is replaced',
    );
  }
}

async function measureEvaluations(ctx: BenchContext): Promise<void> {
  const key = await testSigningKey();
  const tone = featBitFlag({
    key: 'tone-baseline',
    variationType: 'string',
    variations: [{ id: 'calm', name: 'calm', value: 'calm' }],
    disabledVariationId: 'calm',
    fallthrough: { variations: [{ id: 'calm', rollout: [0, 1] }] },
  });
  const states = [
    approvedState(ENV, promptFlag('prompt-baseline', 0.5), 'base'),
    approvedState(ENV, promptFlag('prompt-candidate', 0.5), 'base'),
    approvedState(ENV, promptFlag('prompt-gated', 0.5), 'base'),
    approvedState(ENV, tone, 'calm'),
  ];
  const { jws } = await signedManifest(key, ENV, states);
  const gate = new FeatgateServerProvider(new InMemoryProvider(innerFlags()), {
    source: new StaticManifestSource(jws),
    publicKeys: [key.publicJwk],
    envId: ENV,
  });
  await OpenFeature.setProviderAndWait('bench-bare', new InMemoryProvider(innerFlags()) as Provider);
  await OpenFeature.setProviderAndWait('bench-gated', gate);
  const bare = OpenFeature.getClient('bench-bare');
  const gated = OpenFeature.getClient('bench-gated');
  const context: EvaluationContext = { targetingKey: keyInsideGrant('prompt-candidate'), plan: 'pro', region: 'eu' };

  const paths: EvaluationPath[] = [
    ['baseline path, 10 KB JSON prompt', (client) => client.getObjectValue('prompt-baseline', {}, context), 0.9],
    ['baseline path, string', (client) => client.getStringValue('tone-baseline', 'x', context), 0.9],
    [
      'in-grant candidate path, 10 KB JSON prompt',
      (client) => client.getObjectValue('prompt-candidate', {}, context),
      0.8,
    ],
    [
      'gated path (edited 10 KB JSON prompt replaced)',
      (client) => client.getObjectValue('prompt-gated', {}, context),
      0,
    ],
  ];
  await comparePaths(ctx, bare, gated, paths);
  const served = await gated.getObjectDetails('prompt-gated', {}, context);
  if (served.reason !== 'UNAPPROVED') throw new Error('the gated path did not gate');

  // The same paths with 1,000 more governed flags in the manifest (each with two variations and a targeting rule).
  const filler = Array.from({ length: GOVERNED_FLAGS }, (_, index) => approvedState(ENV, governedFiller(index), 'off'));
  const large = await signedManifest(key, ENV, [...states, ...filler]);
  const largeGate = new FeatgateServerProvider(new InMemoryProvider(innerFlags()), {
    source: new StaticManifestSource(large.jws),
    publicKeys: [key.publicJwk],
    envId: ENV,
  });
  await OpenFeature.setProviderAndWait('bench-gated-large', largeGate);
  const largeGated = OpenFeature.getClient('bench-gated-large');
  await comparePaths(
    ctx,
    bare,
    largeGated,
    paths
      .filter(([, , aim]) => aim > 0)
      .map(([name, evaluate, aim]) => [
        `${name}, ${GOVERNED_FLAGS + states.length} governed flags (manifest ${Math.round(large.jws.length / 1024)} KB)`,
        evaluate,
        aim,
      ]),
  );
  if ((await largeGated.getObjectDetails('prompt-gated', {}, context)).reason !== 'UNAPPROVED')
    throw new Error('the large-manifest gate did not gate');

  // The in-memory provider hands out the same value object every time, which the gate recognises by identity; the
  // FeatBit SDK parses a fresh object per evaluation, so the gate compares its content. Measure that too.
  const edited = promptFlag('prompt-gated', 0.5);
  const liveFlags = [
    promptFlag('prompt-baseline', 0.5),
    promptFlag('prompt-candidate', 0.5),
    {
      ...edited,
      variations: edited.variations.map((variation) =>
        variation.id === 'base' ? { ...variation, value: JSON.stringify(rogue) } : variation,
      ),
    },
  ];
  const liveBare = await liveFeatBit(liveFlags);
  const liveGated = await liveFeatBit(liveFlags);
  await OpenFeature.setProviderAndWait('bench-featbit-bare', liveBare.provider);
  await OpenFeature.setProviderAndWait(
    'bench-featbit-gated',
    new FeatgateServerProvider(liveGated.provider, {
      source: new StaticManifestSource(jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    }),
  );
  const outside = { targetingKey: keyInsideGrant('prompt-baseline', false), plan: 'pro' };
  const inside = { targetingKey: keyInsideGrant('prompt-candidate'), plan: 'pro' };
  const outsideGated = { targetingKey: keyInsideGrant('prompt-gated', false), plan: 'pro' };
  await comparePaths(ctx, OpenFeature.getClient('bench-featbit-bare'), OpenFeature.getClient('bench-featbit-gated'), [
    [
      'FeatBit SDK inner, baseline path, 10 KB JSON prompt',
      (client) => client.getObjectValue('prompt-baseline', {}, outside),
      0.9,
    ],
    [
      'FeatBit SDK inner, in-grant candidate path, 10 KB JSON prompt',
      (client) => client.getObjectValue('prompt-candidate', {}, inside),
      0.8,
    ],
    [
      'FeatBit SDK inner, gated path (edited 10 KB JSON prompt replaced)',
      (client) => client.getObjectValue('prompt-gated', {}, outsideGated),
      0,
    ],
  ]);
  const liveServed = await OpenFeature.getClient('bench-featbit-gated').getObjectDetails(
    'prompt-gated',
    {},
    outsideGated,
  );
  if (liveServed.reason !== 'UNAPPROVED') throw new Error('the FeatBit gated path did not gate');
  await OpenFeature.clearProviders();
}

/**
 * The FeatBit-backed path against the raw SDK, for a 10 KB JSON prompt served unchanged (the baseline, and an
 * approved candidate inside its grant): `FbClient.jsonVariationDetail` called directly, next to the gate around the
 * FeatBit provider called as the OpenFeature SDK calls a provider (aim 0.8; issue 18 measured 0.12 when the provider
 * canonicalised every value), and next to the whole OpenFeature client call, whose own cost (about 25 µs per
 * evaluation here, the same with an InMemoryProvider) the providers cannot remove.
 */
export async function measureFeatBitAgainstRawSdk(ctx: BenchContext): Promise<void> {
  const key = await testSigningKey();
  const flags = [promptFlag('prompt-baseline', 0.5), promptFlag('prompt-candidate', 0.5)];
  const { jws } = await signedManifest(
    key,
    ENV,
    flags.map((flag) => approvedState(ENV, flag, 'base')),
  );
  const raw = await liveFeatBit(flags);
  const gatedInner = await liveFeatBit(flags);
  const gateProvider = new FeatgateServerProvider(gatedInner.provider, {
    source: new StaticManifestSource(jws),
    publicKeys: [key.publicJwk],
    envId: ENV,
  });
  await OpenFeature.setProviderAndWait('bench-featbit-raw-gated', gateProvider);
  await OpenFeature.setProviderAndWait('bench-featbit-raw', raw.provider);
  const client = OpenFeature.getClient('bench-featbit-raw-gated');
  const bareClient = OpenFeature.getClient('bench-featbit-raw');
  const logger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
  const users = (flagKey: string, inside: boolean): EvaluationContext[] =>
    keysInsideGrant(flagKey, ROTATING_USERS, inside).map((targetingKey) => ({ targetingKey, plan: 'pro' }));
  const paths: [name: string, flagKey: string, contexts: EvaluationContext[]][] = [
    ['baseline path', 'prompt-baseline', users('prompt-baseline', false)],
    ['in-grant candidate path', 'prompt-candidate', users('prompt-candidate', true)],
  ];
  const note =
    `per CPU-second over ${ROTATING_USERS} rotating users; median of ${ROUNDS} rounds of ${ROUND_MS} ms, ` +
    `median batch of ${BATCH}, interleaved`;
  /** Evaluates `evaluate` for the next of `contexts` on each call (each function keeps its own turn). */
  const rotating = <C>(contexts: readonly C[], evaluate: (context: C) => Promise<unknown>) => {
    let turn = 0;
    return (): Promise<unknown> => evaluate(contexts[turn++ % contexts.length]!);
  };
  for (const [name, flagKey, contexts] of paths) {
    const sdkUsers = contexts.map((context) => sdkUserFromContext(context));
    const sdk = rotating(sdkUsers, (user) => raw.provider.client.jsonVariationDetail(flagKey, user, {}));
    const sides: [side: string, against: string, baseline: () => Promise<unknown>, gated: () => Promise<unknown>][] = [
      [
        'gate + FeatBit provider',
        'raw SDK',
        sdk,
        rotating(contexts, (context) => gateProvider.resolveObjectEvaluation(flagKey, {}, context, logger)),
      ],
      [
        'OpenFeature client + gate + FeatBit provider',
        'OpenFeature client + FeatBit provider',
        rotating(contexts, (context) => bareClient.getObjectValue(flagKey, {}, context)),
        rotating(contexts, (context) => client.getObjectValue(flagKey, {}, context)),
      ],
    ];
    for (const context of contexts) {
      const served = await client.getObjectDetails(flagKey, {}, context);
      if (served.reason === 'UNAPPROVED' || served.errorCode !== undefined)
        throw new Error(`the ${name} was not served unchanged to ${context.targetingKey}`);
    }
    for (const [side, against, baseline, gated] of sides) {
      for (let warmUp = 0; warmUp < WARM_UP_ROUNDS; warmUp += 1)
        await interleavedOpsPerSecond(baseline, gated, ROUND_MS);
      const ratios: number[] = [];
      const sideRounds: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const { a, b } = await interleavedOpsPerSecond(baseline, gated, ROUND_MS);
        sideRounds.push(b);
        ratios.push(b / a);
      }
      ctx.report(
        `provider FeatBit-backed ${name}, 10 KB JSON prompt: ${side}`,
        Math.round(percentile(sideRounds, 50)),
        'evals/s',
        note,
      );
      ctx.report(
        `provider FeatBit-backed ${name}, 10 KB JSON prompt: ${side} / ${against}`,
        percentile(ratios, 50),
        'ratio',
        'aim >= 0.8',
      );
    }
  }
  await OpenFeature.clearProviders();
}

async function measurePropagation(ctx: BenchContext): Promise<void> {
  const key = await testSigningKey();
  const service = await startManifestService(key);
  const providers = 50;
  const approvals = 30;
  try {
    await service.publisher.publish(ENV, [approvedState(ENV, promptFlag('prompt-candidate', 0), 'base', 1)]);
    const arrivals: Array<(at: number) => void> = [];
    const gates: FeatgateServerProvider[] = [];
    for (let index = 0; index < providers; index += 1) {
      const gate = new FeatgateServerProvider(new InMemoryProvider(innerFlags()), {
        source: new HttpManifestSource({ baseUrl: service.url, envId: ENV }),
        publicKeys: [key.publicJwk],
        envId: ENV,
      });
      await OpenFeature.setProviderAndWait(`bench-propagation-${index}`, gate);
      OpenFeature.getClient(`bench-propagation-${index}`).addHandler(ProviderEvents.ConfigurationChanged, () =>
        arrivals[index]?.(performance.now()),
      );
      gates.push(gate);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    const samples: number[] = [];
    for (let round = 0; round < approvals; round += 1) {
      const received = gates.map((_, index) => new Promise<number>((resolve) => (arrivals[index] = resolve)));
      const start = performance.now();
      await service.publisher.publish(ENV, [
        approvedState(ENV, promptFlag('prompt-candidate', (round + 1) / (approvals + 1)), 'base', round + 2),
      ]);
      for (const at of await Promise.all(received)) samples.push(at - start);
    }
    const note = `${samples.length} arrivals, 10 KB JSON prompt flag, manifest ${service.publisher.current(ENV)!.jws.length} bytes`;
    ctx.report('provider approval→ConfigurationChanged p50 (50 providers, SSE)', percentile(samples, 50), 'ms', note);
    ctx.report(
      'provider approval→ConfigurationChanged p99 (50 providers, SSE)',
      percentile(samples, 99),
      'ms',
      'aim < 100 ms',
    );
  } finally {
    await OpenFeature.clearProviders();
    await service.close();
  }
}

/** Gated vs bare evaluations per second through the OpenFeature client, and approval propagation latency. */
export async function run(ctx: BenchContext): Promise<void> {
  await measureEvaluations(ctx);
  await measureFeatBitAgainstRawSdk(ctx);
  await measurePropagation(ctx);
}
