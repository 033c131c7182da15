import { performance } from 'node:perf_hooks';
import { InMemoryProvider, OpenFeature, type EvaluationContext, type JsonValue } from '@openfeature/server-sdk';
import type { FeatBitFlag } from '../../src/featbit/model/index.js';
import { FeatgateServerProvider, StaticManifestSource } from '../../provider/index.js';
import {
  createTelemetryHook,
  gateManifestVersion,
  TelemetryRecorder,
  withTelemetryTracking,
} from '@featgate/openfeature/telemetry';
import {
  approvedState,
  featBitFlag,
  largePrompt,
  signedManifest,
  testSigningKey,
} from '../unit/provider/gate-fixtures.js';
import { percentile, type BenchContext } from './bench-context.js';

const ENV = 'env-bench-telemetry';
const ROUNDS = 21;
const ROUND_MS = 200;
const BATCH = 50;

type Client = ReturnType<typeof OpenFeature.getClient>;

/**
 * Evaluations per CPU-second of `a` and `b`, batches alternating (the order flipping each time) for about
 * `durationMs`, each side's process CPU time summed: neighbours on a shared machine do not count, and alternation
 * spreads GC and caches over both sides alike.
 */
async function interleaved(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  durationMs: number,
): Promise<{ a: number; b: number }> {
  let cpuA = 0;
  let cpuB = 0;
  let batches = 0;
  const runBatch = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i += 1) await fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    if (batches % 2 === 0) {
      cpuA += await runBatch(a);
      cpuB += await runBatch(b);
    } else {
      cpuB += await runBatch(b);
      cpuA += await runBatch(a);
    }
    batches += 1;
  }
  return { a: (batches * BATCH * 1000) / cpuA, b: (batches * BATCH * 1000) / cpuB };
}

const base = largePrompt('base');
const candidate = largePrompt('candidate');
const rogue = largePrompt('rogue');

function promptFlag(key: string): FeatBitFlag {
  return featBitFlag({
    key,
    variationType: 'json',
    variations: [
      { id: 'base', name: 'base', value: JSON.stringify(base) },
      { id: 'candidate', name: 'candidate', value: JSON.stringify(candidate) },
    ],
    disabledVariationId: 'base',
    fallthrough: { variations: [{ id: 'candidate', rollout: [0, 1] }] },
  });
}

function innerFlags() {
  const serve = (value: JsonValue) => ({ variants: { served: value }, defaultVariant: 'served', disabled: false });
  return { 'prompt-candidate': serve(candidate), 'prompt-gated': serve(rogue) };
}

/**
 * Gated evaluations with the telemetry hook (and a `track()` outcome per evaluation) against gated evaluations
 * without it, on the same manifest and inner provider: the hook's overhead as a ratio. Batches go to a fetch that
 * answers at once, so the figure is the hook's and the recorder's own cost.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const key = await testSigningKey();
  const { jws } = await signedManifest(key, ENV, [
    approvedState(ENV, promptFlag('prompt-candidate'), 'base'),
    approvedState(ENV, promptFlag('prompt-gated'), 'base'),
  ]);
  const gate = () =>
    new FeatgateServerProvider(new InMemoryProvider(innerFlags()), {
      source: new StaticManifestSource(jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
  let posted = 0;
  const recorder = new TelemetryRecorder({
    url: 'http://featgate.bench',
    envId: ENV,
    token: 'bench-token',
    flushIntervalMs: 0,
    fetch: (async () => {
      posted += 1;
      return new Response('{}', { status: 200 });
    }) as typeof fetch,
  });
  const plainGate = gate();
  const hookedGate = gate();
  await OpenFeature.setProviderAndWait('bench-telemetry-plain', plainGate);
  await OpenFeature.setProviderAndWait('bench-telemetry-hooked', withTelemetryTracking(hookedGate, recorder));
  const plain = OpenFeature.getClient('bench-telemetry-plain');
  const hooked = OpenFeature.getClient('bench-telemetry-hooked');
  hooked.addHooks(createTelemetryHook(recorder, { manifestVersion: gateManifestVersion(hookedGate) }));
  const contexts: EvaluationContext[] = Array.from({ length: 1000 }, (_, index) => ({ targetingKey: `user-${index}` }));
  let turn = 0;
  const paths: Array<[string, (client: Client) => Promise<unknown>]> = [
    [
      'approved 10 KB JSON prompt',
      (client) => client.getObjectValue('prompt-candidate', {}, contexts[turn++ % contexts.length]!),
    ],
    [
      'gated 10 KB JSON prompt',
      (client) => client.getObjectValue('prompt-gated', {}, contexts[turn++ % contexts.length]!),
    ],
    [
      'approved 10 KB JSON prompt + track() outcome',
      // Both sides call track(); only the hooked side's provider records it.
      async (client) => {
        const context = contexts[turn++ % contexts.length]!;
        const value = await client.getObjectValue('prompt-candidate', {}, context);
        client.track('errorRate', context, { flagKey: 'prompt-candidate', value: 0, latencyMs: 420 });
        return value;
      },
    ],
  ];
  try {
    for (const [, evaluate] of paths)
      await interleaved(
        () => evaluate(plain),
        () => evaluate(hooked),
        ROUND_MS,
      );
    for (const [name, evaluate] of paths) {
      const ratios: number[] = [];
      const withHook: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const { a, b } = await interleaved(
          () => evaluate(plain),
          () => evaluate(hooked),
          ROUND_MS,
        );
        ratios.push(b / a);
        withHook.push(b);
      }
      ctx.report(
        `telemetry hook ${name}: gated with hook`,
        Math.round(percentile(withHook, 50)),
        'evals/s',
        `per CPU-second; median of ${ROUNDS} rounds of ${ROUND_MS} ms`,
      );
      ctx.report(`telemetry hook ${name}: with hook/without`, percentile(ratios, 50), 'ratio', 'aim >= 0.9');
    }
    await recorder.flush();
    if (posted === 0) throw new Error('the recorder sent no batch');
    ctx.report('telemetry hook batches sent', posted, 'batches', `dropped ${recorder.stats().dropped}`);
  } finally {
    await recorder.close();
    await OpenFeature.clearProviders();
  }
}
