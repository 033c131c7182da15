import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, "one token can add tens of MB of records": every boundary has a size: one value (64 KiB of JSON, 400
 * naming it), one change record (512 KiB, 413 naming its largest value), one request body (1 MiB, 413) and the
 * nesting of a body (64 levels, 400 naming where). A refused request writes nothing.
 */
const ROUTE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const FLAGS = [
  'size-a-model-route',
  'size-b-model-route',
  'size-c-model-route',
  'size-d-model-route',
  'size-e-model-route',
];

let h: Harness;

beforeAll(async () => {
  h = await startHarness((envId) =>
    FLAGS.map((key) => jsonFlag(envId, key, [{ id: 'current', name: 'current', value: ROUTE }])),
  );
});

afterAll(async () => {
  await h?.close();
});

function record(key: string, flags: unknown[]): unknown {
  return {
    key,
    title: 'Bigger routes',
    owner: 'ai-platform',
    service: 'router',
    environment: 'production',
    affectedWorkflow: 'routing',
    requester: 'someone',
    flags,
    behaviourChange: 'none',
    impact: { data: 'none', cost: 'none', latency: 'none', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'ai-platform',
      stages: [{ name: 'all', audience: 'everyone', percentage: 100, minDuration: '1h' }],
    },
    cleanup: { kind: 'durable' },
  };
}

const padded = (bytes: number) => ({ ...ROUTE, notes: 'x'.repeat(bytes) });

async function entries(): Promise<number> {
  return (await h.call('GET', '/v1/audit/verify', { token: h.tokens.auditor })).body.entries;
}

describe('size limits', () => {
  it('refuses a value over 64 KiB with 400 naming it', async () => {
    const before = await entries();
    const answer = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      body: record('one-big-value', [
        { key: FLAGS[0], surface: 'modelRoute', baseline: ROUTE, candidate: padded(70 * 1024) },
      ]),
    });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: 'flags.0.candidate', message: expect.stringContaining('at most 65536 bytes') }),
      ]),
    );
    expect(await entries()).toBe(before);
  });

  it('refuses a record over 512 KiB with 413 naming its size and largest value, though every value is within bounds', async () => {
    const before = await entries();
    const flags = FLAGS.map((key, index) => ({
      key,
      surface: 'modelRoute',
      baseline: ROUTE,
      candidate: padded(60 * 1024 + index),
      rollbackValue: padded(50 * 1024),
    }));
    const answer = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      body: record('big-record', flags),
    });
    expect(answer.status).toBe(413);
    expect(answer.body).toMatchObject({ status: 413, code: 'TOO_LARGE', title: 'Content Too Large' });
    expect(answer.body.detail).toMatch(
      /holds \d+ bytes of JSON; a change record may hold at most 524288 \(its largest value is flags\.4\.candidate, \d+ bytes\)/,
    );
    expect(await entries()).toBe(before);
    expect((await h.call('GET', '/v1/changes/big-record', { token: h.tokens.auditor })).status).toBe(404);
  });

  it('refuses a body over the body limit with 413, and one nested deeper than 64 levels with 400 naming where', async () => {
    const before = await entries();
    const huge = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      raw: JSON.stringify(
        record('huge', [{ key: FLAGS[0], surface: 'modelRoute', baseline: ROUTE, candidate: padded(1100 * 1024) }]),
      ),
    });
    expect(huge.status).toBe(413);
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const nested = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      raw: `{"key":"deep","flags":[{"candidate":${deep}}]}`,
    });
    expect(nested.status).toBe(400);
    expect(nested.body.errors).toEqual([
      expect.objectContaining({
        path: expect.stringMatching(/^flags\.0\.candidate(\.0)+$/),
        message: 'nests deeper than 64 levels',
      }),
    ]);
    expect(await entries()).toBe(before);
  });
});
