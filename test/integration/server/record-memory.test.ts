import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_RECORD_CACHE_BYTES } from '../../../src/changes/projection/index.js';
import { encodeSnapshotState } from '../../../src/projections/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, "one token can add tens of MB of records, all folded into memory": the service keeps change records as
 * outlines (values by hash) and reads full records back from the ledger through a byte-bounded LRU, so records of
 * near-limit values added through the API leave the process holding outlines plus at most the LRU bound.
 */
const ROUTE = { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 };
const FLAGS = ['mem-a-model-route', 'mem-b-model-route', 'mem-c-model-route', 'mem-d-model-route', 'mem-e-model-route'];
const CHANGES = 18;
const VALUE_BYTES = 60 * 1024;

let h: Harness;

beforeAll(async () => {
  h = await startHarness((envId) =>
    FLAGS.map((key) => jsonFlag(envId, key, [{ id: 'current', name: 'current', value: ROUTE }])),
  );
});

afterAll(async () => {
  await h?.close();
});

function record(index: number): unknown {
  return {
    key: `memory-${index}`,
    title: `Longer routing notes ${index}`,
    owner: 'ai-platform',
    service: 'router',
    environment: 'production',
    affectedWorkflow: 'routing',
    requester: 'someone',
    flags: FLAGS.map((key, at) => ({
      key,
      surface: 'modelRoute',
      baseline: ROUTE,
      candidate: { ...ROUTE, notes: `${index}/${at}:`.padEnd(VALUE_BYTES, 'x') },
    })),
    behaviourChange: 'none',
    impact: { data: 'none', cost: 'none', latency: 'none', safety: 'none', support: 'none', compliance: 'none' },
    release: {
      decisionOwner: 'ai-platform',
      stages: [{ name: 'all', audience: 'everyone', percentage: 100, minDuration: '1h' }],
    },
    cleanup: { kind: 'durable' },
  };
}

describe('change-record memory through the API', () => {
  it('holds outlines plus at most the record LRU after many near-limit records, and still serves every record whole', async () => {
    for (let index = 0; index < CHANGES; index += 1) {
      const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record(index) });
      expect(created.status).toBe(201);
    }
    const written = CHANGES * FLAGS.length * VALUE_BYTES;
    expect(written).toBeGreaterThan(DEFAULT_RECORD_CACHE_BYTES);
    for (let index = 0; index < CHANGES; index += 1) {
      const view = await h.call('GET', `/v1/changes/memory-${index}`, { token: h.tokens.auditor });
      expect(view.status).toBe(200);
      expect(
        view.body.record.flags.map((flag: { candidate: { notes: string } }) => flag.candidate.notes.slice(0, 8)),
      ).toEqual(FLAGS.map((_, at) => `${index}/${at}:`.padEnd(8, 'x')));
      expect(h.service.projections.retainedValueBytes()).toBeLessThanOrEqual(DEFAULT_RECORD_CACHE_BYTES);
    }
    // what the projection state holds for all those records: no value, a few KB per record
    const state = Buffer.byteLength(encodeSnapshotState(h.service.projections.exportState()), 'utf8');
    expect(state).toBeLessThan(written / 20);
  });
});
