import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IntegrityError } from '../../../src/errors/index.js';
import {
  fileCheckpointStore,
  hashEntry,
  JsonlLedgerStore,
  jsonlLedgerFiles,
  openCheckpointedLedger,
  redisCheckpointStore,
  redisLedgerKeys,
  RedisLedgerStore,
  serializeEntry,
  writeHeadFile,
  type LedgerEntry,
} from '../../../src/ledger/index.js';
import { testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { sampleAppend } from './ledger-store-contract.js';

const key = await testSigningKey();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});

/** Turns entry `index` into an approval and rehashes everything after it, as a forger without the key would. */
function forge(entries: readonly LedgerEntry[], index: number): LedgerEntry[] {
  const out: LedgerEntry[] = entries.slice(0, index);
  for (const entry of entries.slice(index)) {
    const relinked = {
      ...entry,
      ...(out.length === index ? { data: { verdict: 'approve' } } : {}),
      prevHash: out.at(-1)?.hash ?? entry.prevHash,
      hash: '',
    };
    out.push({ ...relinked, hash: hashEntry(relinked) });
  }
  return out;
}

describe('opening the checkpointed ledger at service start', () => {
  it('embedded: adopts a ledger kept before checkpoints once, then refuses to start on a forged approval', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'featgate-open-'));
    const legacy = await JsonlLedgerStore.open({ dataDir: dir });
    for (let index = 0; index < 4; index += 1) await legacy.append(sampleAppend(index));
    await legacy.close();

    const adopted = await openCheckpointedLedger({ dataDir: dir, key });
    expect((await fileCheckpointStore(dir).readAll()).length).toBe(1);
    await adopted.append(sampleAppend(9));
    const entries = await adopted.readAfter(0);
    await adopted.close();

    const files = jsonlLedgerFiles(dir);
    const forged = forge(entries, 1);
    await writeFile(files.ledger, forged.map((entry) => `${serializeEntry(entry)}\n`).join(''));
    await writeHeadFile(files.head, { seq: forged.at(-1)!.seq, hash: forged.at(-1)!.hash });
    expect((await readFile(files.ledger, 'utf8')).includes('"approve"')).toBe(true);
    await expect(openCheckpointedLedger({ dataDir: dir, key })).rejects.toThrow(IntegrityError);
    await expect(openCheckpointedLedger({ dataDir: dir, key })).rejects.toThrow(
      /contradicts its signed checkpoints: seq \d+: forged/,
    );
  });

  it('Redis: refuses to start on a ledger truncated and re-anchored behind its checkpoints', async () => {
    const prefix = uniquePrefix('open-checkpointed');
    const ledger = await openCheckpointedLedger({ redis, prefix, dataDir: '/nonexistent', key });
    for (let index = 0; index < 5; index += 1) await ledger.append(sampleAppend(index));
    const entries = await ledger.readAfter(0);
    await ledger.close();
    expect((await redisCheckpointStore(redis, prefix).readAll()).length).toBe(5);
    const keys = redisLedgerKeys(prefix);
    await redis.ltrim(keys.entries, 0, 2);
    await redis.set(keys.head, `3:${entries[2]!.hash}`);
    await expect(openCheckpointedLedger({ redis, prefix, dataDir: '/nonexistent', key })).rejects.toThrow(
      /seq 4: deleted/,
    );
    // the store itself still opens and reads: only the checkpointed open refuses
    const plain = new RedisLedgerStore({ redis, prefix });
    expect(await plain.verify()).toMatchObject({ ok: true, entries: 3 });
    await plain.close();
  });

  it('Redis: four processes appending at once leave every entry covered, with no checkpoint for a lost race', async () => {
    const prefix = uniquePrefix('open-checkpointed-writers');
    const writers = await Promise.all(
      [0, 1, 2, 3].map(() => openCheckpointedLedger({ redis, prefix, dataDir: '/nonexistent', key })),
    );
    await Promise.all(
      writers.map(async (writer, w) => {
        for (let index = 0; index < 25; index += 1) await writer.append(sampleAppend(w * 100 + index));
      }),
    );
    expect(await writers[0]!.verify()).toMatchObject({ ok: true, entries: 100 });
    const checkpoints = await redisCheckpointStore(redis, prefix).readAll();
    expect(checkpoints.length).toBeLessThanOrEqual(100);
    await Promise.all(writers.map((writer) => writer.close()));
    // a fresh start verifies without waiting for anything in flight
    const reopened = await openCheckpointedLedger({ redis, prefix, dataDir: '/nonexistent', key });
    await reopened.close();
  });
});
