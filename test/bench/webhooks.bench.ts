import { createHmac, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import express from 'express';
import { Redis } from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { serviceConfigSchema } from '../../src/config/index.js';
import { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import { generateApiToken, hashApiToken } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { WebhookEvent } from '../../src/featbit/model/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { startService } from '../../src/server/index.js';
import { createBullmqReconcileQueue, createRedisDeliveryDeduper, createWebhookRouter } from '../../webhooks/index.js';
import { percentile, type BenchContext } from './bench-context.js';
import { benchRouteFlag } from './bench-route-flag.js';

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

/** Sequential request latencies of two routes, alternating request by request so both see the same machine load. */
async function pairedLatencies(
  bareUrl: string,
  hookUrl: string,
  count: number,
): Promise<{ bare: number[]; acked: number[] }> {
  const bare: number[] = [];
  const acked: number[] = [];
  for (let i = 0; i < count; i += 1) {
    for (const [url, samples] of [
      [bareUrl, bare],
      [hookUrl, acked],
    ] as const) {
      const { body, headers } = delivery(`flag-${i % 50}`);
      const start = performance.now();
      await (await fetch(url, { method: 'POST', body, headers })).arrayBuffer();
      samples.push(performance.now() - start);
    }
  }
  return { bare, acked };
}

/** Requests per second of one route with `CONCURRENCY` clients for `durationMs`. */
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

/** Throughput of two routes in alternating rounds, so a burst of load elsewhere weighs on both alike. */
async function pairedThroughput(
  bareUrl: string,
  hookUrl: string,
  rounds: number,
  roundMs: number,
): Promise<{ bare: number; acked: number }> {
  let bare = 0;
  let acked = 0;
  for (let round = 0; round < rounds; round += 1) {
    bare += await throughput(bareUrl, roundMs);
    acked += await throughput(hookUrl, roundMs);
  }
  return { bare: bare / rounds, acked: acked / rounds };
}

const EDITS = 200;

/**
 * Edit-to-revert latency of the whole bridge: `featgate serve` on Redis + BullMQ in front of the FeatBit sandbox,
 * which delivers signed webhooks to it. An admin raises a governed candidate's share `EDITS` times, one edit at a
 * time; the latency of each is the time between FeatBit's audit entries of the edit and of featgate's restoring
 * write (so polling adds nothing). The baseline is one FeatBit read + write round trip of the same client.
 */
async function editToRevert(ctx: BenchContext, redisUrl: string): Promise<void> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  const key = 'bench-model-route';
  const current = `${key}-current`;
  const candidate = `${key}-candidate`;
  const share = (value: number) => ({
    dispatchKey: null,
    includedInExpt: true,
    variations: [
      { id: candidate, rollout: [0, value] as [number, number], exptRollout: 1 },
      { id: current, rollout: [value, 1] as [number, number], exptRollout: 1 },
    ],
  });
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  sandbox.control.seed({ flags: [benchRouteFlag(env.id, key, share(0.05))], segments: [] });
  const featgateToken = sandbox.tokens.issue('featgate-bot');
  const alice = new FeatBitRestClient({
    baseUrl: sandbox.url,
    accessToken: sandbox.tokens.issue('alice').token,
    logger: silentLogger,
  });
  const admin = generateApiToken();
  const secret = 'bench-webhook-secret';
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-bench-'));
  const prefix = `bench:bridge:${randomUUID().slice(0, 8)}:`;
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      redisUrl,
      redisPrefix: prefix,
      featbit: { apiUrl: sandbox.url, accessToken: featgateToken.token, sandbox: false, webhookSecret: [secret] },
      identity: { tokens: [{ name: 'bench-admin', sha256: hashApiToken(admin), roles: ['admin'] }] },
    }),
    { logger: silentLogger, bridge: { reconcileIntervalMs: 3_600_000 } },
  );
  const redis = new Redis(redisUrl);
  try {
    await service.bridge!.reconciler.runOnce();
    await service.bridge!.queue.whenIdle(30_000);
    const adopted = await fetch(`${service.url}/v1/adoptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ envId: env.id, flagKey: key, reason: 'bench baseline' }),
    });
    if (adopted.status !== 201) throw new Error(`adoption failed: ${await adopted.text()}`);
    const flagId = sandbox.control.store.getFlag(env.id, key).id;
    const audit = () => sandbox.control.store.auditLogs(env.id).filter((entry) => entry.refId === flagId);

    const roundTrips: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      const flag = await alice.getFlag(env.id, key);
      await alice.updateTargeting(env.id, key, {
        revision: flag.revision,
        targeting: { targetUsers: [], rules: [], fallthrough: share(0.05), exptIncludeAllTargets: true },
      });
      roundTrips.push(performance.now() - start);
    }
    sandbox.control.configureWebhook({
      url: `${service.url}/webhooks/featbit`,
      secret,
      events: Object.values(WebhookEvent),
    });

    const samples: number[] = [];
    for (let i = 0; i < EDITS; i += 1) {
      const flag = await alice.getFlag(env.id, key);
      await alice.updateTargeting(env.id, key, {
        revision: flag.revision,
        targeting: {
          targetUsers: [],
          rules: [],
          fallthrough: share(0.3 + (i % 500) / 1000),
          exptIncludeAllTargets: true,
        },
      });
      const edit = audit()[0]!;
      const deadline = Date.now() + 10_000;
      for (;;) {
        const [newest] = audit();
        if (newest && newest.creatorName === 'featgate-bot' && newest.id !== edit.id) {
          samples.push(Date.parse(newest.createdAt) - Date.parse(edit.createdAt));
          break;
        }
        if (Date.now() > deadline) throw new Error(`edit ${i} was not reverted within 10 s`);
        await sleep(1);
      }
    }
    await service.bridge!.queue.whenIdle(30_000);
    const baseP50 = percentile(roundTrips, 50);
    ctx.report(
      'edit-to-revert latency p50',
      percentile(samples, 50),
      'ms',
      `${EDITS} unauthorized edits; ${(percentile(samples, 50) / baseP50).toFixed(1)}x a FeatBit read+write round trip ${baseP50.toFixed(2)} ms`,
    );
    ctx.report(
      'edit-to-revert latency p99',
      percentile(samples, 99),
      'ms',
      `${(percentile(samples, 99) / percentile(roundTrips, 99)).toFixed(1)}x round trip p99 ${percentile(roundTrips, 99).toFixed(2)} ms; aim < 1000 ms`,
    );
  } finally {
    await service.close();
    await sandbox.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Webhook acknowledgement latency and throughput of `POST /webhooks/featbit` (HMAC check, delivery dedupe in
 * Redis, BullMQ enqueue) beside a bare express route on the same server that answers 202 without any work, then
 * the edit-to-revert latency of the whole bridge.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const redisUrl = await ctx.redisUrl();
  const prefix = `bench:webhooks:${randomUUID().slice(0, 8)}:`;
  const redis = new Redis(redisUrl);
  const queue = createBullmqReconcileQueue({ redisUrl, prefix });
  const app = express();
  app.post('/bare', express.raw({ type: () => true }), (_req, res) => void res.status(202).json({ status: 'queued' }));
  app.use(createWebhookRouter({ secrets: SECRET, queue, deduper: createRedisDeliveryDeduper(redis, { prefix }) }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    await pairedLatencies(`${base}/bare`, `${base}/webhooks/featbit`, 50);
    const { bare, acked } = await pairedLatencies(`${base}/bare`, `${base}/webhooks/featbit`, REQUESTS);
    const bareP50 = percentile(bare, 50);
    const bareP99 = percentile(bare, 99);
    ctx.report(
      'webhook ack latency p50',
      percentile(acked, 50),
      'ms',
      `${(percentile(acked, 50) / bareP50).toFixed(2)}x bare route ${bareP50.toFixed(3)} ms`,
    );
    ctx.report(
      'webhook ack latency p99',
      percentile(acked, 99),
      'ms',
      `${(percentile(acked, 99) / bareP99).toFixed(2)}x bare route ${bareP99.toFixed(3)} ms`,
    );
    const rates = await pairedThroughput(`${base}/bare`, `${base}/webhooks/featbit`, 3, 500);
    ctx.report(
      'webhook ack throughput',
      rates.acked,
      'req/s',
      `${(rates.acked / rates.bare).toFixed(2)} of bare route ${rates.bare.toFixed(0)} req/s, ${CONCURRENCY} concurrent`,
    );
  } finally {
    await new Promise((resolve) => server.close(resolve));
    await queue.close();
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  await editToRevert(ctx, redisUrl);
}
