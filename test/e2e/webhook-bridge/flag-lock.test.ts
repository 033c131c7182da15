import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { approvedStatePayload } from '../../../webhooks/index.js';
import type { ApprovedFlagState } from '../../../src/approved-state/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import { ActorKind, createLedgerStore, LedgerEventType, type LedgerStore } from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { flagSubject } from '../../../src/projections/index.js';
import { RedisLock, writeFlagConfiguration } from '../../../src/workflow/index.js';
import { testRedisUrl } from '../../support/redis.js';
import { candidateShare, eventually, routeFlag, startBridgeHarness, type BridgeHarness } from './bridge-harness.js';

let h: BridgeHarness;
let redis: Redis;
let ledger: LedgerStore;

beforeAll(async () => {
  h = await startBridgeHarness();
  redis = new Redis(testRedisUrl());
  ledger = await createLedgerStore({ redis, prefix: h.redisPrefix, dataDir: h.dataDir });
}, 60_000);

afterAll(async () => {
  await ledger?.close();
  redis?.disconnect();
  await h?.close();
});

describe('the per-flag lock the worker shares with releases', () => {
  it('holds the webhook of a release write until the release has recorded the approved state, so nothing is reverted', async () => {
    const key = 'locked-model-route';
    await h.seedAndAdopt(routeFlag(h.envId, key));
    const [adopted] = await h.entries(LedgerEventType.FlagAdopted, key);
    const approved = { ...(adopted!.data['state'] as unknown as ApprovedFlagState), version: adopted!.seq };
    const featgate = new FeatBitRestClient({ baseUrl: h.sandbox.url, accessToken: h.featgateToken.token, logger: silentLogger });
    const ramped = { ...approved.flag, fallthrough: (routeFlag(h.envId, key, { candidateShare: 0.1 }) as unknown as ApprovedFlagState['flag']).fallthrough };
    const featbitAudit = () => h.sandbox.control.store.auditLogs(h.envId).filter((entry) => entry.refId === h.live(key).id);
    const writesBefore = featbitAudit().length;

    // A release in another featgate process: FeatBit first, then the approved state, both under the flag's lock.
    const release = new RedisLock(redis, { prefix: h.redisPrefix });
    await release.withLocks([flagSubject(h.envId, key)], async () => {
      await writeFlagConfiguration(featgate, h.envId, key, ramped, 'featgate: ramp stage 1');
      await h.sandbox.control.webhooksIdle();
      await eventually(async () => (await h.service.bridge!.queue.counts()).active === 1, 10_000, 'the webhook job running');
      // The job now runs while FeatBit is ahead of the approved state; give a worker that skipped the lock time to act.
      await sleep(750);
      const state: ApprovedFlagState = { ...approved, flag: ramped, approvedAt: new Date().toISOString(), approvedBy: 'release-owner' };
      await ledger.append({
        type: LedgerEventType.ApprovedStateSet,
        actor: { id: 'featgate', kind: ActorKind.Service },
        subject: flagSubject(h.envId, key),
        data: approvedStatePayload(LedgerEventType.ApprovedStateSet, state),
        at: new Date().toISOString(),
      });
    });
    await h.settle();

    const writes = featbitAudit().slice(0, featbitAudit().length - writesBefore);
    expect(writes.map((entry) => entry.creatorName)).toEqual(['featgate-bot']);
    expect(candidateShare(h.live(key), key)).toBeCloseTo(0.1, 10);
    expect(await h.entries(LedgerEventType.EditReverted, key)).toHaveLength(0);
    expect(await h.entries(LedgerEventType.EditIntercepted, key)).toHaveLength(0);
  });
});
