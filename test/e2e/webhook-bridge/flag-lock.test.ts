import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordApprovedState } from '../../../src/approved-state/index.js';
import type { ApprovedFlagState } from '../../../src/approved-state/model/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { ActorKind, createLedgerStore, LedgerEventType, type LedgerStore } from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { flagSubject } from '../../../src/ledger-events/index.js';
import { RedisLock } from '../../../src/locks/index.js';
import { writeFlagConfiguration } from '../../../src/releases/index.js';
import { hasRedisServerBinary, startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';
import { testRedisUrl } from '../../support/redis.js';
import {
  aliceSetsShare,
  candidateShare,
  eventually,
  routeFlag,
  startBridgeHarness,
  type BridgeHarness,
} from './bridge-harness.js';

let h: BridgeHarness;
let redis: Redis;
let ledger: LedgerStore;
let ownRedis: PrivateRedis | undefined;

// A Redis of this file's own where the binary is there: MONITOR below watches every command, and other files'
// traffic must not reach it (with only REDIS_URL the shared one serves).
beforeAll(async () => {
  ownRedis = hasRedisServerBinary() ? await startPrivateRedis() : undefined;
  const redisUrl = ownRedis?.url ?? testRedisUrl();
  h = await startBridgeHarness({ redisUrl });
  redis = new Redis(redisUrl);
  ledger = await createLedgerStore({ redis, prefix: h.redisPrefix, dataDir: h.dataDir });
}, 60_000);

afterAll(async () => {
  await ledger?.close();
  redis?.disconnect();
  await h?.close();
  await ownRedis?.stop();
});

const lockKey = (key: string) => `${h.redisPrefix}lock:${flagSubject(h.envId, key)}`;
const featgateWrites = (key: string) =>
  h.sandbox.control.store
    .auditLogs(h.envId)
    .filter((entry) => entry.refId === h.live(key).id && entry.creatorName === 'featgate-bot').length;

/** Resolves when a Redis client other than `except` tries `SET <key> … NX` (a worker waiting for the lock). */
async function someoneWaitsFor(key: string): Promise<{ seen: Promise<void>; stop: () => void }> {
  const monitor = await redis.monitor();
  let resolve!: () => void;
  const seen = new Promise<void>((done) => (resolve = done));
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() === 'set' && args[1] === key && args.some((arg) => arg.toUpperCase() === 'NX'))
      resolve();
  });
  return { seen, stop: () => monitor.disconnect() };
}

describe('the per-flag lock the worker shares with releases', () => {
  it('holds the webhook of a release write until the release has recorded the approved state, so nothing is reverted', async () => {
    const key = 'locked-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key));
    const [adopted] = await h.entries(LedgerEventType.FlagAdopted, key);
    const approved = { ...(adopted!.data['state'] as unknown as ApprovedFlagState), version: adopted!.seq };
    const featgate = new FeatBitRestClient({
      baseUrl: h.sandbox.url,
      accessToken: h.featgateToken.token,
      logger: silentLogger,
    });
    const ramped = {
      ...approved.flag,
      fallthrough: (routeFlag(h.envId, key, { candidateShare: 0.1 }) as unknown as ApprovedFlagState['flag'])
        .fallthrough,
    };
    const featbitAudit = () =>
      h.sandbox.control.store.auditLogs(h.envId).filter((entry) => entry.refId === h.live(key).id);
    const writesBefore = featbitAudit().length;

    // A release in another featgate process: FeatBit first, then the approved state, both under the flag's lock.
    const release = new RedisLock(redis, { prefix: h.redisPrefix });
    const waiter = await someoneWaitsFor(lockKey(key));
    try {
      await release.withLocks([flagSubject(h.envId, key)], async () => {
        await writeFlagConfiguration(featgate, h.envId, key, ramped, 'featgate: ramp stage 1');
        await h.sandbox.control.webhooksIdle();
        // The worker's job for the release's webhook is running and asks Redis for the flag's lock: it waits for us.
        // A worker that skipped the lock never asks, and this wait fails the test.
        await eventually(
          async () => (await h.service.bridge!.queue.counts()).active === 1,
          10_000,
          'the webhook job running',
        );
        await Promise.race([
          waiter.seen,
          new Promise((_resolve, reject) =>
            setTimeout(() => reject(new Error('the worker never asked for the flag lock')), 10_000),
          ),
        ]);
        const state: ApprovedFlagState = {
          ...approved,
          flag: ramped,
          approvedAt: new Date().toISOString(),
          approvedBy: 'release-owner',
        };
        await recordApprovedState(ledger, {
          type: LedgerEventType.ApprovedStateSet,
          actor: { id: 'featgate', kind: ActorKind.Service },
          state,
          at: new Date().toISOString(),
        });
      });
    } finally {
      waiter.stop();
    }
    await h.settle();

    const writes = featbitAudit().slice(0, featbitAudit().length - writesBefore);
    expect(writes.map((entry) => entry.creatorName)).toEqual(['featgate-bot']);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.1, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    expect(await h.entries(LedgerEventType.EditIntercepted, key)).toHaveLength(0);
  });

  it('stops a job whose flag lock is taken from it midway: no FeatBit write after the loss, and the retry restores the flag', async () => {
    const key = 'stolen-lock-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key, { candidateShare: 0.05 }));
    // FeatBit answers slowly for a while, so the job is still reading when the test takes its lock away.
    h.sandbox.control.addLatency(300, { forMs: 6_000 });
    await aliceSetsShare(h, key, 0.5);
    await eventually(async () => (await redis.get(lockKey(key))) !== null, 10_000, 'the job holding the flag lock');
    // Another worker takes the flag over (as after a stall past the lock's TTL): the lock is no longer this job's.
    await redis.set(lockKey(key), 'another-worker', 'PX', 600_000);
    const writesAtLoss = featgateWrites(key);
    const retry = await someoneWaitsFor(lockKey(key));
    try {
      // The job's attempt ended and its retry asks for the lock again: in between, it wrote nothing.
      await Promise.race([
        retry.seen,
        new Promise((_resolve, reject) => setTimeout(() => reject(new Error('the job never retried')), 15_000)),
      ]);
      expect(featgateWrites(key)).toBe(writesAtLoss);
      expect(candidateShare(h.live(key), key)).toBeCloseTo(0.5, 10);
      expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    } finally {
      retry.stop();
      await redis.del(lockKey(key));
      h.sandbox.control.clearFaults();
    }
    await h.settle();
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.05, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(1);
  });
});
