import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChangeRecord } from '../../../src/changes/model/index.js';
import { ActorKind, LedgerEventType, RedisLedgerStore, type LedgerAppend } from '../../../src/ledger/index.js';
import { changeSubject, ledgerPayload } from '../../../src/ledger-events/index.js';
import { LedgerProjections } from '../../../src/projections/index.js';
import { freePort, hasRedisServerBinary, startPrivateRedis, type PrivateRedis } from '../../support/private-redis.js';

const record = parseChangeRecord(
  readFileSync(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url), 'utf8'),
);
const created = (key: string): LedgerAppend => ({
  type: LedgerEventType.ChangeCreated,
  actor: { id: 'alice@example.com', kind: ActorKind.User },
  subject: changeSubject(key),
  data: ledgerPayload(LedgerEventType.ChangeCreated, { record: { ...record, key } }),
});

let dir: string;
let port: number;
let redis: PrivateRedis | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'featgate-redis-restart-'));
  port = await freePort();
});

afterAll(async () => {
  await redis?.stop(true);
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `count` catch-ups at once, as the refresh timer, API requests and bridge jobs of one process do. */
const concurrentCatchUps = (projections: LedgerProjections, count: number) =>
  Promise.allSettled(Array.from({ length: count }, () => projections.catchUp()));

describe.skipIf(!hasRedisServerBinary())('ledger projections across a Redis restart', () => {
  it('read again once Redis is back instead of answering every later catch-up with the error of the outage', async () => {
    redis = await startPrivateRedis({ port, dir, appendOnly: true });
    // The client as the service opens it: a command fails after three reconnection attempts instead of waiting.
    const client = new Redis(redis.url, { maxRetriesPerRequest: 3 });
    client.on('error', () => undefined);
    const store = new RedisLedgerStore({ redis: client, prefix: 'restart:' });
    const projections = new LedgerProjections(store);
    try {
      await store.append(created('before-crash'));
      await projections.catchUp();
      expect(projections.changes.changes.has('before-crash')).toBe(true);

      await redis.stop(true);
      const during = await concurrentCatchUps(projections, 4);
      expect(during.every((outcome) => outcome.status === 'rejected')).toBe(true);

      redis = await startPrivateRedis({ port, dir, appendOnly: true });
      const writer = new RedisLedgerStore({ redis: redis.url, prefix: 'restart:' });
      await writer.append(created('after-restart'));
      await writer.close();

      // ioredis reconnects on its own; within a few seconds every catch-up must succeed and see the new entry.
      let after: PromiseSettledResult<void>[] = [];
      for (let attempt = 0; attempt < 50; attempt += 1) {
        after = await concurrentCatchUps(projections, 4);
        if (after.every((outcome) => outcome.status === 'fulfilled')) break;
        await sleep(100);
      }
      expect(after.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(projections.changes.changes.has('before-crash')).toBe(true);
      expect(projections.changes.changes.has('after-restart')).toBe(true);
    } finally {
      await store.close().catch(() => undefined);
      client.disconnect();
    }
  });
});
