import fc from 'fast-check';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { InMemoryProvider as WebInMemoryProvider, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { contentHash } from '../../../src/canonical/index.js';
import { telemetryRequestSchema } from '../../../src/exposure/index.js';
import {
  createTelemetryHook,
  TelemetryBuffer,
  TelemetryRecorder,
  withTelemetryTracking,
} from '@featgate/openfeature/telemetry';

/** A fetch that keeps every request body featgate would receive, and fails while `failing` is set. */
function fakeFeatgate() {
  const bodies: any[] = [];
  const state = { failing: false, calls: 0 };
  const fetch = (async (_url: string, init: RequestInit) => {
    state.calls += 1;
    if (state.failing) throw new Error('connection refused');
    bodies.push(telemetryRequestSchema.parse(JSON.parse(String(init.body))));
    return new Response('{}', { status: 200 });
  }) as unknown as typeof globalThis.fetch;
  return { bodies, state, fetch };
}

const PROMPT = { system: 'You are the claims assistant.', temperature: 0.2 };

afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe('the telemetry recorder', () => {
  it('tags each evaluation with the served variant and manifest version and reports track() outcomes for what was served', async () => {
    const featgate = fakeFeatgate();
    const recorder = new TelemetryRecorder({
      url: 'http://featgate.test/',
      envId: 'env-1',
      token: 'svc-token',
      flushIntervalMs: 0,
      fetch: featgate.fetch,
    });
    const flags = {
      'claims-prompt': { variants: { candidate: PROMPT }, defaultVariant: 'candidate', disabled: false },
    };
    await OpenFeature.setProviderAndWait(
      'telemetry-unit',
      withTelemetryTracking(new InMemoryProvider(flags), recorder),
    );
    const client = OpenFeature.getClient('telemetry-unit');
    client.addHooks(createTelemetryHook(recorder, { manifestVersion: () => 7 }));
    for (let index = 0; index < 10; index += 1) {
      const context = { targetingKey: `user-${index}` };
      await client.getObjectValue('claims-prompt', {}, context);
      client.track('errorRate', context, {
        flagKey: 'claims-prompt',
        value: index < 3 ? 1 : 0,
        latencyMs: 100 + index,
        cached: true,
      });
    }
    // An outcome for a context that was never served the flag is dropped and counted, not guessed at.
    client.track('errorRate', { targetingKey: 'stranger' }, { flagKey: 'claims-prompt', value: 1 });
    await recorder.flush();
    expect(featgate.bodies).toHaveLength(1);
    expect(featgate.bodies[0]).toEqual({
      dropped: 1,
      aggregates: [
        {
          flagKey: 'claims-prompt',
          valueHash: contentHash(PROMPT),
          variant: 'candidate',
          manifestVersion: 7,
          evaluations: 10,
          metrics: {
            errorRate: { count: 10, sum: 3, sumSquares: 3 },
            latencyMs: {
              count: 10,
              sum: 1045,
              sumSquares: [...Array(10).keys()].reduce((sum, index) => sum + (100 + index) ** 2, 0),
            },
            cached: { count: 10, sum: 10, sumSquares: 10 },
          },
        },
      ],
    });
    await recorder.close();
  });

  it('works as a web SDK hook too: the browser client tags its evaluations and reports its outcomes', async () => {
    const featgate = fakeFeatgate();
    const recorder = new TelemetryRecorder({
      url: 'http://featgate.test',
      envId: 'env-1',
      token: 'svc-token',
      flushIntervalMs: 0,
      fetch: featgate.fetch,
      manifestVersion: () => 2,
    });
    const flags = {
      'claims-prompt': { variants: { candidate: PROMPT }, defaultVariant: 'candidate', disabled: false },
    };
    await WebOpenFeature.setContext('telemetry-web', { targetingKey: 'browser-user' });
    await WebOpenFeature.setProviderAndWait(
      'telemetry-web',
      withTelemetryTracking(new WebInMemoryProvider(flags), recorder),
    );
    const client = WebOpenFeature.getClient('telemetry-web');
    client.addHooks(createTelemetryHook(recorder));
    const details = client.getObjectDetails('claims-prompt', {});
    recorder.outcome(details, {
      error: false,
      inputTokens: 120,
      outputTokens: 30,
      costUsd: 0.0004,
      feedback: 1,
      scores: { groundedness: 0.9 },
    });
    client.track('escalationRate', { flagKey: 'claims-prompt', value: 1 });
    await recorder.flush();
    expect(featgate.bodies[0].aggregates).toEqual([
      expect.objectContaining({
        flagKey: 'claims-prompt',
        valueHash: contentHash(PROMPT),
        manifestVersion: 2,
        evaluations: 1,
        metrics: expect.objectContaining({
          errorRate: { count: 1, sum: 0, sumSquares: 0 },
          inputTokens: { count: 1, sum: 120, sumSquares: 14400 },
          'score.groundedness': { count: 1, sum: 0.9, sumSquares: 0.81 },
          escalationRate: { count: 1, sum: 1, sumSquares: 1 },
        }),
      }),
    ]);
    await WebOpenFeature.clearProviders();
  });

  it('never throws into an evaluation, and keeps a failed batch for the next flush', async () => {
    const featgate = fakeFeatgate();
    const errors: string[] = [];
    const recorder = new TelemetryRecorder({
      url: 'http://featgate.test',
      envId: 'env-1',
      token: 't',
      flushIntervalMs: 0,
      fetch: featgate.fetch,
      onError: (error) => errors.push(error.message),
    });
    const hook = createTelemetryHook(recorder);
    // A hostile value (a cycle) cannot be keyed: it is dropped, and the hook returns normally.
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() =>
      hook.after!(
        { context: { targetingKey: 'u' } } as never,
        { flagKey: 'f', value: cyclic as never, flagMetadata: {} } as never,
      ),
    ).not.toThrow();
    recorder.recordEvaluation({ flagKey: 'f', value: 'calm', variant: 'calm', manifestVersion: 1 });
    featgate.state.failing = true;
    await recorder.flush();
    expect(errors).toEqual(['connection refused']);
    featgate.state.failing = false;
    recorder.recordEvaluation({ flagKey: 'f', value: 'calm', variant: 'calm', manifestVersion: 1 });
    await recorder.flush();
    expect(featgate.bodies).toHaveLength(1);
    expect(featgate.bodies[0].aggregates[0].evaluations).toBe(2);
    expect(featgate.bodies[0].dropped).toBe(1);
    expect(recorder.stats()).toEqual({ sentBatches: 1, failedBatches: 1, dropped: 1 });
  });

  it('bounds the buffer: beyond its variations an observation is dropped and counted', () => {
    const buffer = new TelemetryBuffer(2, 1);
    for (const value of ['a', 'b', 'c', 'd']) buffer.evaluation({ flagKey: 'f', value });
    buffer.outcome({ flagKey: 'f', value: 'a' }, [
      ['latencyMs', 1],
      ['costUsd', 0.1],
    ]);
    const taken = buffer.take();
    expect(taken.aggregates.map((aggregate) => aggregate.value)).toEqual(['a', 'b']);
    expect(taken.dropped).toBe(3);
    expect([...taken.aggregates[0]!.metrics.keys()]).toEqual(['latencyMs']);
  });

  it('delivers every observation exactly once or counts it as dropped, over random traffic, flushes and outages', async () => {
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('eval' as const),
        flag: fc.integer({ min: 0, max: 3 }),
        variant: fc.integer({ min: 0, max: 3 }),
      }),
      fc.record({
        kind: fc.constant('outcome' as const),
        flag: fc.integer({ min: 0, max: 3 }),
        variant: fc.integer({ min: 0, max: 3 }),
        value: fc.integer({ min: 0, max: 1000 }),
      }),
      fc.record({ kind: fc.constant('flush' as const), fail: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { maxLength: 120 }),
        fc.integer({ min: 1, max: 20 }),
        async (steps, maxAggregates) => {
          const featgate = fakeFeatgate();
          const recorder = new TelemetryRecorder({
            url: 'http://f',
            envId: 'e',
            token: 't',
            flushIntervalMs: 0,
            flushAtObservations: 1e9,
            maxAggregates,
            fetch: featgate.fetch,
          });
          let observed = 0;
          for (const s of steps) {
            if (s.kind === 'flush') {
              featgate.state.failing = s.fail;
              await recorder.flush();
              continue;
            }
            const served = {
              flagKey: `flag-${s.flag}`,
              value: `v-${s.variant}`,
              variant: `v-${s.variant}`,
              manifestVersion: 1,
            };
            if (s.kind === 'eval') recorder.recordEvaluation(served, 'user');
            else
              recorder.outcome(
                {
                  flagKey: served.flagKey,
                  value: served.value,
                  variant: served.variant,
                  flagMetadata: { featgateManifestVersion: 1 },
                } as never,
                { latencyMs: s.value },
              );
            observed += 1;
          }
          featgate.state.failing = false;
          await recorder.flush();
          const delivered = featgate.bodies
            .flatMap((body) => body.aggregates)
            .reduce((sum, aggregate) => sum + aggregate.evaluations + (aggregate.metrics['latencyMs']?.count ?? 0), 0);
          const dropped = featgate.bodies.reduce((sum, body) => sum + body.dropped, 0);
          expect(delivered + dropped).toBe(observed);
          for (const body of featgate.bodies) expect(body.aggregates.length).toBeLessThanOrEqual(maxAggregates);
        },
      ),
      { numRuns: 150, seed: 16 },
    );
  });
});
