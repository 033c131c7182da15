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
const ROUNDS = 31;
const ROUND_MS = 300;
const BATCH = 50;
/** Share of each side's slowest batches left out (a major GC pause or a preemption landing on one side). */
const TRIM = 0.1;

type Client = ReturnType<typeof OpenFeature.getClient>;

/** A seeded xorshift32 generator: the same batch orders on every run. */
let seed = 16;
function nextRandom(): number {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 2 ** 32;
}

/** Shuffles in place (Fisher-Yates). */
function shuffle(order: number[]): void {
  for (let index = order.length - 1; index > 0; index -= 1) {
    const other = Math.floor(nextRandom() * (index + 1));
    [order[index], order[other]] = [order[other]!, order[index]!];
  }
}

/**
 * Evaluations per CPU-second of each side, batches taking turns for about `durationMs`, each side's process CPU
 * time per batch: neighbours on a shared machine do not count. The order is shuffled for every turn (a fixed
 * rotation can let the scavenger, which runs every so many allocated bytes, land on one side batch after batch),
 * and each side's slowest TRIM of batches is left out, so one major GC pause does not decide a round: identical
 * sides measured 0.68-1.25 apart without both, 0.95-1.003 with them.
 */
async function interleaved(sides: ReadonlyArray<() => Promise<unknown>>, durationMs: number): Promise<number[]> {
  const cpu: number[][] = sides.map(() => []);
  const runBatch = async (fn: () => Promise<unknown>): Promise<number> => {
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i += 1) await fn();
    const used = process.cpuUsage(start);
    return (used.user + used.system) / 1000;
  };
  const order = sides.map((_, index) => index);
  const until = performance.now() + durationMs;
  while (performance.now() < until) {
    shuffle(order);
    for (const side of order) cpu[side]!.push(await runBatch(sides[side]!));
  }
  return cpu.map((samples) => {
    const kept = [...samples].sort((x, y) => x - y).slice(0, Math.max(1, Math.floor(samples.length * (1 - TRIM))));
    return (BATCH * 1000 * kept.length) / kept.reduce((sum, ms) => sum + ms, 0);
  });
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
 * without it, on the same manifest and inner provider: the hook's overhead as a ratio. Two baselines, both printed:
 * no hook at all (issue 16's line: what an application pays for turning telemetry on), and a hook whose `after`
 * does nothing (featgate's own cost: the OpenFeature SDK's per-hook pipeline, a frozen hook context and three
 * awaited stages per evaluation, is paid by any hook). On the track() path every side calls `client.track()` into
 * a gate whose `track` forwards to the in-memory provider, which has none: a no-op, so both baselines pay the SDK's
 * context merge and freeze too, and only the recording differs. Batches go to a fetch that answers at once.
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
  const noopGate = gate();
  const hookedGate = gate();
  await OpenFeature.setProviderAndWait('bench-telemetry-plain', plainGate);
  await OpenFeature.setProviderAndWait('bench-telemetry-noop-hook', noopGate);
  await OpenFeature.setProviderAndWait('bench-telemetry-hooked', withTelemetryTracking(hookedGate, recorder));
  const plain = OpenFeature.getClient('bench-telemetry-plain');
  const noopHooked = OpenFeature.getClient('bench-telemetry-noop-hook');
  noopHooked.addHooks({ after: () => undefined });
  const hooked = OpenFeature.getClient('bench-telemetry-hooked');
  const telemetryHook = createTelemetryHook(recorder, { manifestVersion: gateManifestVersion(hookedGate) });
  hooked.addHooks(telemetryHook);
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
      // Every side calls track(); only the hooked side's provider records it.
      async (client) => {
        const context = contexts[turn++ % contexts.length]!;
        const value = await client.getObjectValue('prompt-candidate', {}, context);
        client.track('errorRate', context, { flagKey: 'prompt-candidate', value: 0, latencyMs: 420 });
        return value;
      },
    ],
  ];
  let lastWithoutHook = 0;
  const sides = (evaluate: (client: Client) => Promise<unknown>) => [
    () => evaluate(plain),
    () => evaluate(noopHooked),
    () => evaluate(hooked),
  ];
  try {
    for (const [, evaluate] of paths) await interleaved(sides(evaluate), ROUND_MS);
    for (const [name, evaluate] of paths) {
      const ratios: number[] = [];
      const ownRatios: number[] = [];
      const withHook: number[] = [];
      const withoutHook: number[] = [];
      for (let round = 0; round < ROUNDS; round += 1) {
        const [without, noop, withTelemetry] = await interleaved(sides(evaluate), ROUND_MS);
        ratios.push(withTelemetry! / without!);
        ownRatios.push(withTelemetry! / noop!);
        withHook.push(withTelemetry!);
        withoutHook.push(without!);
      }
      ctx.report(
        `telemetry hook ${name}: gated with hook`,
        Math.round(percentile(withHook, 50)),
        'evals/s',
        `per CPU-second without the slowest ${TRIM * 100}% of batches; median of ${ROUNDS} rounds of ${ROUND_MS} ms`,
      );
      lastWithoutHook = percentile(withoutHook, 50);
      ctx.report(`telemetry hook ${name}: with hook/without`, percentile(ratios, 50), 'ratio', 'aim >= 0.9');
      ctx.report(
        `telemetry hook ${name}: with hook/with a no-op hook`,
        percentile(ownRatios, 50),
        'ratio',
        "featgate's own cost",
      );
    }
    await ownWork(ctx, {
      hook: telemetryHook,
      provider: hookedGate as unknown as Tracking,
      details: await hooked.getObjectDetails('prompt-candidate', {}, contexts[0]!),
      contexts,
      evaluationsPerSecond: lastWithoutHook,
    });
    await recorder.flush();
    if (posted === 0) throw new Error('the recorder sent no batch');
    ctx.report('telemetry hook batches sent', posted, 'batches', `dropped ${recorder.stats().dropped}`);
  } finally {
    await recorder.close();
    await OpenFeature.clearProviders();
  }
}

/** The `track` that `withTelemetryTracking` installed on the gate. */
interface Tracking {
  track(name: string, context: EvaluationContext, details: Record<string, unknown>): void;
}

/**
 * featgate's own work on the track() path, timed without the SDK around it: the hook's `after` stage on a real
 * evaluation's details plus the wrapped provider's `track()`, per CPU-second, as a share of one gated evaluation
 * with `track()` and no hook (the last path's baseline), so the line reads as the part of an evaluation featgate adds.
 */
async function ownWork(
  ctx: BenchContext,
  run: {
    hook: ReturnType<typeof createTelemetryHook>;
    provider: Tracking;
    details: Awaited<ReturnType<Client['getObjectDetails']>>;
    contexts: readonly EvaluationContext[];
    evaluationsPerSecond: number;
  },
): Promise<void> {
  const rounds: number[] = [];
  const perRound = 100_000;
  for (let round = 0; round < 7; round += 1) {
    const start = process.cpuUsage();
    for (let i = 0; i < perRound; i += 1) {
      const context = run.contexts[i % run.contexts.length]!;
      run.hook.after!({ context } as never, run.details, {});
      run.provider.track('errorRate', context, { flagKey: 'prompt-candidate', value: 0, latencyMs: 420 });
    }
    const used = process.cpuUsage(start);
    rounds.push(((used.user + used.system) * 1000) / perRound);
    await new Promise((resolve) => setImmediate(resolve));
  }
  const nanoseconds = percentile(rounds, 50);
  const share = nanoseconds / (1e9 / run.evaluationsPerSecond);
  ctx.report(
    'telemetry hook own work (after + track()) per evaluation',
    Math.round(nanoseconds),
    'ns',
    `${(share * 100).toFixed(2)}% of a gated evaluation with track() and no hook; median of 7 rounds`,
  );
}
