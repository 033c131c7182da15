import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusQueryError, queryPrometheus } from '../../../src/exposure/index.js';
import { startLoopbackServer, type LoopbackServer } from '../../support/loopback-server.js';

/** Answers in the shape of Prometheus's `GET /api/v1/query` (per its HTTP API documentation), chosen by the query. */
const ANSWERS: Record<string, { status: number; body: unknown }> = {
  scalar: { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1772359200.5, '0.042'] } } },
  vector: {
    status: 200,
    body: {
      status: 'success',
      data: { resultType: 'vector', result: [{ metric: { job: 'assistant' }, value: [1772359200, '0.91'] }] },
    },
  },
  empty: { status: 200, body: { status: 'success', data: { resultType: 'vector', result: [] } } },
  many: {
    status: 200,
    body: {
      status: 'success',
      data: {
        resultType: 'vector',
        result: [
          { metric: { a: '1' }, value: [1, '1'] },
          { metric: { a: '2' }, value: [1, '2'] },
        ],
      },
    },
  },
  nan: { status: 200, body: { status: 'success', data: { resultType: 'scalar', result: [1772359200, 'NaN'] } } },
  bad: { status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error at char 4' } },
};

let prometheus: LoopbackServer;
const seen: { query: string; authorization?: string }[] = [];

beforeAll(async () => {
  prometheus = await startLoopbackServer((app) => {
    app.get('/api/v1/query', (req, res) => {
      const query = String(req.query['query']);
      seen.push({ query, ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}) });
      const answer = ANSWERS[query] ?? ANSWERS['bad']!;
      res.status(answer.status).json(answer.body);
    });
  });
});

afterAll(async () => {
  await prometheus?.close();
});

describe('Prometheus instant queries over HTTP', () => {
  it('reads a scalar and a one-series vector with their sample times, sending the configured headers', async () => {
    const options = { url: prometheus.url, headers: { authorization: 'Bearer prom-token' } };
    expect(await queryPrometheus(options, 'scalar')).toEqual({ value: 0.042, observedAt: '2026-03-01T10:00:00.500Z' });
    expect(await queryPrometheus(options, 'vector')).toEqual({ value: 0.91, observedAt: '2026-03-01T10:00:00.000Z' });
    expect(seen.at(-1)).toEqual({ query: 'vector', authorization: 'Bearer prom-token' });
  });

  it('answers no data for an empty vector', async () => {
    expect(await queryPrometheus({ url: prometheus.url }, 'empty')).toBeUndefined();
  });

  it('refuses several series, a value that is not a finite number, and a query Prometheus rejects', async () => {
    await expect(queryPrometheus({ url: prometheus.url }, 'many')).rejects.toThrow(
      'returned 2 series; aggregate it to one value',
    );
    await expect(queryPrometheus({ url: prometheus.url }, 'nan')).rejects.toThrow('returned NaN, not a finite number');
    await expect(queryPrometheus({ url: prometheus.url }, 'bad')).rejects.toThrow(PrometheusQueryError);
    await expect(queryPrometheus({ url: prometheus.url }, 'bad')).rejects.toThrow('bad_data');
  });

  it('names an unreachable Prometheus', async () => {
    await expect(queryPrometheus({ url: 'http://127.0.0.1:9', timeoutMs: 500 }, 'scalar')).rejects.toThrow(
      'could not be reached',
    );
  });
});
