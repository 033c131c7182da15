import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { EvaluationDetails, FlagValue } from '@openfeature/server-sdk';
import { contentHash } from '../../../src/canonical/index.js';
import { telemetryRequestSchema } from '../../../src/exposure/index.js';
import { createTelemetryHook, TelemetryRecorder, withTelemetryTracking } from '@featgate/openfeature/telemetry';

/** A featgate that keeps every telemetry body it receives (validated as the route would). */
function fakeFeatgate() {
  const bodies: Array<ReturnType<typeof telemetryRequestSchema.parse>> = [];
  const fetch = (async (_url: string, init: RequestInit) => {
    bodies.push(telemetryRequestSchema.parse(JSON.parse(String(init.body))));
    return new Response('{}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { bodies, fetch };
}

/**
 * A recorder with its hook and a tracking provider, driven directly: `serve` is one evaluation's `after` stage,
 * `track` one `client.track()` call. `gated` results carry the gate's own metadata (variant and version are then the
 * gate's word); the others are pass-through results whose variant is the inner provider's name.
 */
function harness(options: { maxRemembered?: number } = {}) {
  const featgate = fakeFeatgate();
  let fallbackVersion = 1;
  const recorder = new TelemetryRecorder({
    url: 'http://featgate.test',
    envId: 'env-1',
    token: 'svc-token',
    flushIntervalMs: 0,
    flushAtObservations: 1e9,
    fetch: featgate.fetch,
    manifestVersion: () => fallbackVersion,
    ...options,
  });
  const hook = createTelemetryHook(recorder);
  const provider = withTelemetryTracking({} as { track?: unknown }, recorder) as {
    track(name: string, context: { targetingKey: string }, details: Record<string, unknown>): void;
  };
  return {
    featgate,
    recorder,
    setFallbackVersion: (version: number) => (fallbackVersion = version),
    serve(user: string, flagKey: string, value: unknown, variant: string, gated?: { manifestVersion: number }) {
      const flagMetadata = gated ? { featgateGated: true, featgateManifestVersion: gated.manifestVersion } : {};
      const details = { flagKey, value, variant, flagMetadata } as unknown as EvaluationDetails<FlagValue>;
      hook.after!({ context: { targetingKey: user } } as never, details, {});
    },
    track(user: string, flagKey: string, latencyMs: number) {
      provider.track('latency', { targetingKey: user }, { flagKey, latencyMs });
    },
    /** Everything sent so far, summed by flag, value hash and manifest version. */
    async delivered() {
      await recorder.flush();
      const totals = new Map<string, { evaluations: number; latency: number; count: number }>();
      for (const body of featgate.bodies)
        for (const aggregate of body.aggregates) {
          const key = `${aggregate.flagKey} ${aggregate.valueHash} ${aggregate.manifestVersion}`;
          const total = totals.get(key) ?? { evaluations: 0, latency: 0, count: 0 };
          total.evaluations += aggregate.evaluations;
          total.latency += aggregate.metrics['latencyMs']?.sum ?? 0;
          total.count += aggregate.metrics['latencyMs']?.count ?? 0;
          totals.set(key, total);
        }
      return totals;
    },
  };
}

const BASE = { system: 'You are the claims assistant.', temperature: 0.2 };
const CANDIDATE = { system: 'You are the claims assistant. Cite the policy.', temperature: 0.2 };

describe('telemetry attribution caches', () => {
  it('a variant name the inner provider reuses for other content never labels that content as the first one', async () => {
    const t = harness();
    // FeatBit's `candidate` variation was edited to hold the baseline's content: the gate passes it through
    // (approved content) under the inner provider's variant name.
    t.serve('alice', 'prompt', CANDIDATE, 'candidate');
    t.serve('bob', 'prompt', BASE, 'candidate');
    t.track('alice', 'prompt', 100);
    t.track('bob', 'prompt', 900);
    const totals = await t.delivered();
    expect(totals.get(`prompt ${contentHash(CANDIDATE)} 1`)).toEqual({ evaluations: 1, latency: 100, count: 1 });
    expect(totals.get(`prompt ${contentHash(BASE)} 1`)).toEqual({ evaluations: 1, latency: 900, count: 1 });
  });

  it('a pass-through name first seen with other content does not capture the gate-named variation', async () => {
    const t = harness();
    t.serve('alice', 'prompt', BASE, 'candidate');
    t.serve('bob', 'prompt', structuredClone(CANDIDATE), 'candidate', { manifestVersion: 1 });
    t.serve('carol', 'prompt', structuredClone(CANDIDATE), 'candidate', { manifestVersion: 1 });
    t.track('bob', 'prompt', 5);
    const totals = await t.delivered();
    expect(totals.get(`prompt ${contentHash(BASE)} 1`)).toEqual({ evaluations: 1, latency: 0, count: 0 });
    expect(totals.get(`prompt ${contentHash(CANDIDATE)} 1`)).toEqual({ evaluations: 2, latency: 5, count: 1 });
  });

  it('after the manifest changes, the same variant id is counted and hashed as the new version serves it', async () => {
    const t = harness();
    const next = { ...CANDIDATE, temperature: 0.7 };
    t.serve('alice', 'prompt', CANDIDATE, 'candidate', { manifestVersion: 1 });
    t.serve('alice', 'prompt', next, 'candidate', { manifestVersion: 2 });
    t.track('alice', 'prompt', 42);
    // A pass-through whose fallback version was not refreshed yet still hashes what it served.
    t.serve('bob', 'prompt', CANDIDATE, 'candidate');
    t.serve('carol', 'prompt', next, 'candidate');
    t.track('carol', 'prompt', 7);
    const totals = await t.delivered();
    expect(totals.get(`prompt ${contentHash(CANDIDATE)} 1`)).toEqual({ evaluations: 2, latency: 0, count: 0 });
    expect(totals.get(`prompt ${contentHash(next)} 2`)).toEqual({ evaluations: 1, latency: 42, count: 1 });
    expect(totals.get(`prompt ${contentHash(next)} 1`)).toEqual({ evaluations: 1, latency: 7, count: 1 });
  });

  it('equal content in fresh objects stays one aggregate, and a track() after a flush still finds its variation', async () => {
    const t = harness();
    for (const user of ['alice', 'bob', 'carol']) t.serve(user, 'prompt', structuredClone(CANDIDATE), 'candidate');
    await t.recorder.flush();
    t.track('alice', 'prompt', 10);
    t.track('bob', 'prompt', 20);
    expect(t.featgate.bodies[0]!.aggregates).toHaveLength(1);
    const totals = await t.delivered();
    expect([...totals]).toEqual([[`prompt ${contentHash(CANDIDATE)} 1`, { evaluations: 3, latency: 30, count: 2 }]]);
  });

  it('evicts the context evaluated longest ago when the remembered contexts are full, not a busy one', async () => {
    const t = harness({ maxRemembered: 2 });
    t.serve('alice', 'prompt', 'calm', 'calm');
    t.serve('bob', 'prompt', 'calm', 'calm');
    t.serve('alice', 'prompt', 'calm', 'calm');
    t.serve('carol', 'prompt', 'calm', 'calm');
    t.track('alice', 'prompt', 1);
    t.track('bob', 'prompt', 2);
    t.track('carol', 'prompt', 4);
    const totals = await t.delivered();
    expect(totals.get(`prompt ${contentHash('calm')} 1`)).toEqual({ evaluations: 4, latency: 5, count: 2 });
    expect(t.recorder.stats().dropped).toBe(1);
  });

  it('attributes every evaluation and track() to the content served, over random names, versions, copies and flushes', async () => {
    const contents = ['base', 'candidate', 'rogue'].map((name) => ({ prompt: name }));
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('serve' as const),
        user: fc.integer({ min: 0, max: 3 }),
        flag: fc.integer({ min: 0, max: 1 }),
        variant: fc.integer({ min: 0, max: 2 }),
        content: fc.integer({ min: 0, max: 2 }),
        gated: fc.boolean(),
        fresh: fc.boolean(),
      }),
      fc.record({
        kind: fc.constant('track' as const),
        user: fc.integer({ min: 0, max: 3 }),
        flag: fc.integer({ min: 0, max: 1 }),
        latency: fc.integer({ min: 1, max: 1000 }),
      }),
      fc.record({ kind: fc.constant('flush' as const) }),
      fc.record({ kind: fc.constant('manifest' as const) }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 80 }), async (steps) => {
        const t = harness();
        let version = 1;
        const expected = new Map<string, { evaluations: number; latency: number; count: number }>();
        const lastServed = new Map<string, string>();
        const bump = (key: string, evaluations: number, latency: number) => {
          const total = expected.get(key) ?? { evaluations: 0, latency: 0, count: 0 };
          total.evaluations += evaluations;
          total.latency += latency;
          total.count += latency > 0 ? 1 : 0;
          expected.set(key, total);
        };
        for (const s of steps) {
          if (s.kind === 'flush') await t.recorder.flush();
          else if (s.kind === 'manifest') t.setFallbackVersion((version += 1));
          else if (s.kind === 'track') {
            t.track(`user-${s.user}`, `flag-${s.flag}`, s.latency);
            const served = lastServed.get(`user-${s.user} flag-${s.flag}`);
            if (served) bump(served, 0, s.latency);
          } else {
            // The gate names a variant only with the content that variant has in that manifest version.
            const index = s.gated ? (s.variant + version) % contents.length : s.content;
            const value = s.fresh ? structuredClone(contents[index]!) : contents[index]!;
            t.serve(
              `user-${s.user}`,
              `flag-${s.flag}`,
              value,
              `v${s.variant}`,
              s.gated ? { manifestVersion: version } : undefined,
            );
            const key = `flag-${s.flag} ${contentHash(contents[index]!)} ${version}`;
            bump(key, 1, 0);
            lastServed.set(`user-${s.user} flag-${s.flag}`, key);
          }
        }
        expect(Object.fromEntries(await t.delivered())).toEqual(Object.fromEntries(expected));
        expect(t.recorder.stats().dropped).toBe(
          steps.filter(
            (s, i) =>
              s.kind === 'track' &&
              !steps.slice(0, i).some((p) => p.kind === 'serve' && p.user === s.user && p.flag === s.flag),
          ).length,
        );
      }),
      { numRuns: 200, seed: 16 },
    );
  });
});
