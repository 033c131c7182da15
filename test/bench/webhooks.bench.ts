import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { Redis } from 'ioredis';
import { createBullmqJobQueue, createRedisDeliveryDeduper, createWebhookRouter } from '../../webhooks/index.js';
import { percentile, type BenchContext } from './bench-context.js';

const SECRET = 'bench-secret';
const REQUESTS = 500;
const CONCURRENCY = 16;

function delivery(flagKey: string): { body: string; headers: Record<string, string> } {
  const body = JSON.stringify({
    event: 'feature_flag.default_rule_changed',
    operator: 'alice',
    environment: { id: 'bench-env', name: 'Bench' },
    data: { kind: 'feature flag', object: { id: flagKey, key: flagKey, name: flagKey } },
  });
  return {
    body,
    headers: {
      'content-type': 'application/json; charset=utf-8',
      'x-featbit-delivery': randomUUID(),
      'x-featbit-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
  };
}

async function latencies(url: string, count: number): Promise<number[]> {
  const samples: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const { body, headers } = delivery(`flag-${i % 50}`);
    const start = performance.now();
    const response = await fetch(url, { method: 'POST', body, headers });
    await response.arrayBuffer();
    samples.push(performance.now() - start);
  }
  return samples;
}

async function throughput(url: string, durationMs: number): Promise<number> {
  let done = 0;
  const deadline = performance.now() + durationMs;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (performance.now() < deadline) {
        const { body, headers } = delivery(`flag-${done % 50}`);
        await (await fetch(url, { method: 'POST', body, headers })).arrayBuffer();
        done += 1;
      }
    }),
  );
  return (done * 1000) / (performance.now() - start);
}

/**
 * Webhook acknowledgement latency and throughput of `POST /webhooks/featbit` (HMAC check, delivery dedupe in
 * Redis, BullMQ enqueue) beside a bare express route on the same server that answers 202 without any work.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const redisUrl = await ctx.redisUrl();
  const prefix = `bench:webhooks:${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(redisUrl);
  const queue = createBullmqJobQueue({ redisUrl, prefix });
  const app = express();
  app.post('/bare', express.raw({ type: () => true }), (_req, res) => void res.status(202).json({ status: 'queued' }));
  app.use(createWebhookRouter({ secrets: SECRET, queue, deduper: createRedisDeliveryDeduper(redis, { prefix }) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await latencies(`${base}/webhooks/featbit`, 50);
    await latencies(`${base}/bare`, 50);
    const bare = await latencies(`${base}/bare`, REQUESTS);
    const acked = await latencies(`${base}/webhooks/featbit`, REQUESTS);
    const bareP50 = percentile(bare, 50);
    const bareP99 = percentile(bare, 99);
    ctx.report('webhook ack latency p50', percentile(acked, 50), 'ms', `${(percentile(acked, 50) / bareP50).toFixed(2)}x bare route ${bareP50.toFixed(3)} ms`);
    ctx.report('webhook ack latency p99', percentile(acked, 99), 'ms', `${(percentile(acked, 99) / bareP99).toFixed(2)}x bare route ${bareP99.toFixed(3)} ms`);
    const bareRate = await throughput(`${base}/bare`, 1000);
    const ackRate = await throughput(`${base}/webhooks/featbit`, 1000);
    ctx.report('webhook ack throughput', ackRate, 'req/s', `${(ackRate / bareRate).toFixed(2)} of bare route ${bareRate.toFixed(0)} req/s, ${CONCURRENCY} concurrent`);
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await queue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
}
