import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { serviceConfigSchema } from '../../src/config/index.js';
import { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import { generateApiToken, hashApiToken } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { startService } from '../../src/server/index.js';
import { percentile, type BenchContext } from './bench-context.js';
import { benchRouteFlag } from './bench-route-flag.js';

const EDITS = 100;

/**
 * Edit-to-restore latency of edits FeatBit sends no webhook for, with webhooks off and no reconciler round: the only
 * trigger is featgate following FeatBit's SDK data-sync stream. An admin swaps the variation ids of the default rule
 * at identical ranges (every user flips to the candidate), one edit at a time; each latency is the time between
 * FeatBit's audit entries of the edit and of featgate's restoring write. The baseline, measured in the same run, is
 * one FeatBit read + write round trip of the same client.
 */
export async function run(ctx: BenchContext): Promise<void> {
  const redisUrl = await ctx.redisUrl();
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  const key = 'bench-stream-model-route';
  const current = `${key}-current`;
  const candidate = `${key}-candidate`;
  const approvedRollout = [
    { id: candidate, rollout: [0, 0.05] as [number, number], exptRollout: 1 },
    { id: current, rollout: [0.05, 1] as [number, number], exptRollout: 1 },
  ];
  const swappedRollout = [
    { id: current, rollout: [0, 0.05] as [number, number], exptRollout: 1 },
    { id: candidate, rollout: [0.05, 1] as [number, number], exptRollout: 1 },
  ];
  const fallthrough = (variations: typeof approvedRollout) => ({ dispatchKey: null, includedInExpt: true, variations });
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  const featgateToken = sandbox.tokens.issue('featgate-bot');
  const alice = new FeatBitRestClient({
    baseUrl: sandbox.url,
    accessToken: sandbox.tokens.issue('alice').token,
    logger: silentLogger,
  });
  const admin = generateApiToken();
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-bench-stream-'));
  const prefix = `bench:stream:${randomUUID().slice(0, 8)}:`;
  const sandboxEnv = sandbox.envs[0]!;
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      redisUrl,
      redisPrefix: prefix,
      featbit: {
        apiUrl: sandbox.url,
        accessToken: featgateToken.token,
        sandbox: false,
        webhookSecret: ['bench-unused-secret'],
        evaluationUrl: sandbox.url,
        serverSecrets: { [sandboxEnv.id]: sandboxEnv.sdkSecret },
      },
      identity: { tokens: [{ name: 'bench-admin', sha256: hashApiToken(admin), roles: ['admin'] }] },
    }),
    { logger: silentLogger, bridge: { reconcileIntervalMs: 3_600_000 } },
  );
  const redis = new Redis(redisUrl);
  try {
    await service.bridge!.stream?.ready();
    await service.bridge!.reconciler.runOnce();
    await service.bridge!.queue.whenIdle(30_000);
    // featgate never approves flags itself: an admin adopts a flag FeatBit held before featgate watched (not told to
    // the stream, so the never-approved convergence cannot race the adoption).
    sandbox.control.seed(
      { flags: [benchRouteFlag(env.id, key, fallthrough(approvedRollout))], segments: [] },
      { publish: false },
    );
    const adopted = await fetch(`${service.url}/v1/adoptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify({ envId: env.id, flagKey: key, reason: 'bench baseline' }),
    });
    if (adopted.status !== 201) throw new Error(`adoption failed: ${await adopted.text()}`);
    await service.bridge!.queue.whenIdle(30_000);
    const flagId = sandbox.control.store.getFlag(env.id, key).id;
    const audit = () => sandbox.control.store.auditLogs(env.id).filter((entry) => entry.refId === flagId);

    const roundTrips: number[] = [];
    for (let i = 0; i < 50; i += 1) {
      const start = performance.now();
      const flag = await alice.getFlag(env.id, key);
      await alice.updateTargeting(env.id, key, {
        revision: flag.revision,
        targeting: {
          targetUsers: [],
          rules: [],
          fallthrough: fallthrough(approvedRollout),
          exptIncludeAllTargets: true,
        },
      });
      roundTrips.push(performance.now() - start);
    }
    await service.bridge!.queue.whenIdle(30_000);

    const samples: number[] = [];
    for (let i = 0; i < EDITS; i += 1) {
      const flag = await alice.getFlag(env.id, key);
      await alice.updateTargeting(env.id, key, {
        revision: flag.revision,
        targeting: {
          targetUsers: [],
          rules: [],
          fallthrough: fallthrough(swappedRollout),
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
        if (Date.now() > deadline) throw new Error(`swap ${i} was not restored within 10 s`);
        await sleep(1);
      }
      await service.bridge!.queue.whenIdle(30_000);
    }
    const baseP50 = percentile(roundTrips, 50);
    const baseP99 = percentile(roundTrips, 99);
    ctx.report(
      'no-webhook edit-to-restore via stream p50',
      percentile(samples, 50),
      'ms',
      `${EDITS} swapped-id edits, webhooks off; ${(percentile(samples, 50) / baseP50).toFixed(1)}x a FeatBit read+write round trip ${baseP50.toFixed(2)} ms`,
    );
    ctx.report(
      'no-webhook edit-to-restore via stream p99',
      percentile(samples, 99),
      'ms',
      `${(percentile(samples, 99) / baseP99).toFixed(1)}x round trip p99 ${baseP99.toFixed(2)} ms; aim < 1000 ms`,
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
