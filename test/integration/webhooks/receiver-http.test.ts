import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createRedisDeliveryDeduper,
  createWebhookRouter,
  type ReconcileJob,
  type TriggerSink,
} from '../../../webhooks/index.js';
import type { EnqueueOutcome } from '../../../src/jobs/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const envId = 'c0ffee00-0000-4000-8000-000000000001';
const flagBody = JSON.stringify({
  event: 'feature_flag.default_rule_changed',
  operator: 'alice',
  environment: { id: envId, name: 'Prod' },
  data: { kind: 'feature flag', object: { id: 'f1', key: 'assistant-prompt', name: 'Prompt' } },
});

function sign(body: string | Buffer, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

describe('POST /webhooks/featbit over HTTP', () => {
  let server: Server;
  let url: string;
  let redis: Redis;
  const queued: ReconcileJob[] = [];
  let failing = false;
  const sink: TriggerSink = {
    async enqueue(job): Promise<EnqueueOutcome> {
      if (failing) throw new Error('redis down');
      queued.push(job);
      return { jobId: `job-${queued.length}`, coalesced: false };
    },
  };

  beforeAll(async () => {
    redis = new Redis(testRedisUrl());
    const app = express();
    app.use(
      createWebhookRouter({
        secrets: ['new-secret', 'old-secret'],
        queue: sink,
        deduper: createRedisDeliveryDeduper(redis, { prefix: uniquePrefix('deliveries') }),
        bodyLimit: '16kb',
      }),
    );
    server = app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/featbit`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    redis.disconnect();
  });
  beforeEach(() => {
    queued.length = 0;
    failing = false;
  });

  const post = (body: string, headers: Record<string, string>): Promise<Response> =>
    fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

  it('answers 202 and queues one job naming the environment, the flag and the operator', async () => {
    const response = await post(flagBody, {
      'X-FeatBit-Signature-256': sign(flagBody, 'new-secret'),
      'X-FeatBit-Delivery': randomUUID(),
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ status: 'queued', jobId: 'job-1' });
    expect(queued).toHaveLength(1);
    expect(queued[0]).toMatchObject({
      envId,
      target: { kind: 'flag', flagKey: 'assistant-prompt' },
      operator: 'alice',
      source: 'webhook',
    });
  });

  it('accepts deliveries signed with the secret being rotated out', async () => {
    const response = await post(flagBody, { 'X-FeatBit-Signature-256': sign(flagBody, 'old-secret') });
    expect(response.status).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('answers 401 to an unsigned or badly signed delivery and queues nothing', async () => {
    expect((await post(flagBody, {})).status).toBe(401);
    const wrong = await post(flagBody, { 'X-FeatBit-Signature-256': sign(flagBody, 'guess') });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('content-type')).toMatch(/application\/problem\+json/);
    const tampered = flagBody.replace('alice', 'mallory');
    expect((await post(tampered, { 'X-FeatBit-Signature-256': sign(flagBody, 'new-secret') })).status).toBe(401);
    expect(queued).toHaveLength(0);
  });

  it('answers 413 to a body over the limit and queues nothing', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(20_000) });
    const response = await post(big, { 'X-FeatBit-Signature-256': sign(big, 'new-secret') });
    expect(response.status).toBe(413);
    expect(queued).toHaveLength(0);
  });

  it('answers 400 with the field path to a signed body that names no flag', async () => {
    const body = JSON.stringify({ environment: { id: envId }, data: { kind: 'feature flag', object: {} } });
    const response = await post(body, { 'X-FeatBit-Signature-256': sign(body, 'new-secret') });
    expect(response.status).toBe(400);
    const problem = (await response.json()) as { errors: { path: string }[] };
    expect(problem.errors.map((error) => error.path)).toEqual(['data.object.key']);
    expect(queued).toHaveLength(0);
  });

  it('queues a delivery once however often FeatBit retries or replays it', async () => {
    const headers = { 'X-FeatBit-Signature-256': sign(flagBody, 'new-secret'), 'X-FeatBit-Delivery': randomUUID() };
    const statuses = await Promise.all([post(flagBody, headers), post(flagBody, headers), post(flagBody, headers)]);
    expect(statuses.map((response) => response.status)).toEqual([202, 202, 202]);
    expect((await post(flagBody, headers)).status).toBe(202);
    expect(queued).toHaveLength(1);
  });

  it('answers 503 when the queue is down and accepts FeatBit’s retry of the same delivery afterwards', async () => {
    const headers = { 'X-FeatBit-Signature-256': sign(flagBody, 'new-secret'), 'X-FeatBit-Delivery': randomUUID() };
    failing = true;
    expect((await post(flagBody, headers)).status).toBe(503);
    failing = false;
    expect((await post(flagBody, headers)).status).toBe(202);
    expect(queued).toHaveLength(1);
  });
});
