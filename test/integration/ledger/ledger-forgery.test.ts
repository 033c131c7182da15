import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActorKind,
  batchSigner,
  CheckpointedLedgerStore,
  fileCheckpointStore,
  GENESIS_HASH,
  hashEntry,
  JsonlLedgerStore,
  jsonlLedgerFiles,
  jsonlRecordSource,
  LedgerEventType,
  RedisLedgerStore,
  redisCheckpointStore,
  redisLedgerKeys,
  redisRecordSource,
  serializeEntry,
  signCheckpoint,
  TamperKind,
  verifyLedger,
  verifyLedgerWitnessed,
  writeHeadFile,
  type CheckpointStore,
  type LedgerEntry,
  type LedgerHead,
  type LedgerRecordSource,
} from '../../../src/ledger/index.js';
import { testSigningKey } from '../../unit/provider/gate-fixtures.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const key = await testSigningKey();
const otherKey = await testSigningKey();

/** One store kind: how to open it checkpointed, and how an attacker with write access rewrites what it keeps. */
interface Backend {
  readonly name: string;
  create(): Promise<Ledger>;
}

interface Ledger {
  open(): CheckpointedLedgerStore | Promise<CheckpointedLedgerStore>;
  source(): LedgerRecordSource;
  checkpoints(): CheckpointStore;
  /** Attacker: replaces every stored entry and the head anchor. */
  rewrite(entries: readonly LedgerEntry[]): Promise<void>;
  /** Attacker: replaces the checkpoints. */
  rewriteCheckpoints(lines: readonly string[]): Promise<void>;
}

let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});

const backends: Backend[] = [
  {
    name: 'embedded JSONL',
    async create() {
      const dir = await mkdtemp(join(tmpdir(), 'featgate-forgery-'));
      const files = jsonlLedgerFiles(dir);
      const checkpoints = fileCheckpointStore(dir);
      return {
        async open() {
          const store = await JsonlLedgerStore.open({ dataDir: dir });
          return new CheckpointedLedgerStore({ store, source: jsonlRecordSource(dir), checkpoints, key });
        },
        source: () => jsonlRecordSource(dir),
        checkpoints: () => checkpoints,
        async rewrite(entries) {
          await writeFile(files.ledger, entries.map((entry) => `${serializeEntry(entry)}\n`).join(''));
          const last = entries.at(-1);
          if (last) await writeHeadFile(files.head, { seq: last.seq, hash: last.hash });
        },
        async rewriteCheckpoints(lines) {
          await writeFile(checkpoints.location, lines.map((line) => `${line}\n`).join(''));
        },
      };
    },
  },
  {
    name: 'Redis',
    async create() {
      const prefix = uniquePrefix('forgery');
      const keys = redisLedgerKeys(prefix);
      const checkpoints = redisCheckpointStore(redis, prefix);
      return {
        open() {
          // as serve runs it: each batch and its checkpoint in one script call
          const store = new RedisLedgerStore({ redis: testRedisUrl(), prefix, signBatch: batchSigner(key) });
          return new CheckpointedLedgerStore({
            store,
            source: redisRecordSource(redis, prefix),
            checkpoints,
            key,
            signedByStore: true,
          });
        },
        source: () => redisRecordSource(redis, prefix),
        checkpoints: () => checkpoints,
        async rewrite(entries) {
          await redis.del(keys.entries);
          if (entries.length > 0) await redis.rpush(keys.entries, ...entries.map(serializeEntry));
          const last = entries.at(-1);
          await redis.set(keys.head, last ? `${last.seq}:${last.hash}` : '');
        },
        async rewriteCheckpoints(lines) {
          await redis.del(`${prefix}{ledger}:checkpoints`);
          if (lines.length > 0) await redis.rpush(`${prefix}{ledger}:checkpoints`, ...lines);
        },
      };
    },
  },
];

/** A ledger where change CH-7 was rejected, plus some reviews; returns the entries as stored and the head. */
async function seeded(ledger: Ledger): Promise<{ entries: LedgerEntry[]; head: LedgerHead }> {
  const store = await ledger.open();
  for (let index = 0; index < 6; index += 1) {
    await store.append({
      type: LedgerEventType.ReviewSubmitted,
      actor: { id: `reviewer-${index}`, kind: ActorKind.User },
      subject: `change:CH-${index}`,
      data: { verdict: 'approve' },
    });
  }
  await store.append({
    type: LedgerEventType.ReviewSubmitted,
    actor: { id: 'security', kind: ActorKind.User },
    subject: 'change:CH-7',
    data: { verdict: 'reject' },
  });
  await Promise.all(
    [8, 9, 10].map((index) =>
      store.append({
        type: LedgerEventType.ReviewSubmitted,
        actor: { id: 'bot', kind: ActorKind.Service },
        subject: `change:CH-${index}`,
        data: { verdict: 'approve' },
      }),
    ),
  );
  const entries = await store.readAfter(0);
  const head = (await store.head())!;
  expect(await store.verify()).toMatchObject({ ok: true, entries: 10 });
  await store.close();
  return { entries, head };
}

/** Re-links and rehashes entries from `from` on, as a forger without the key would. */
function rehashed(entries: readonly LedgerEntry[], from = 0): LedgerEntry[] {
  const out: LedgerEntry[] = [];
  let prevHash = from === 0 ? GENESIS_HASH : entries[from - 1]!.hash;
  entries.forEach((entry, index) => {
    if (index < from) return void out.push(entry);
    const relinked = { ...entry, prevHash, hash: '' };
    const hash = hashEntry(relinked);
    out.push({ ...relinked, hash });
    prevHash = hash;
  });
  return out;
}

function witnessed(ledger: Ledger, expectHead?: LedgerHead) {
  return verifyLedgerWitnessed(ledger.source(), {
    checkpoints: ledger.checkpoints(),
    publicKeys: [key.publicJwk],
    ...(expectHead ? { expectHead } : {}),
  });
}

describe.each(backends)('signed checkpoints over the $name ledger', (backend) => {
  it('detect a rejection turned into an approval and the chain rehashed after it', async () => {
    const ledger = await backend.create();
    const { entries } = await seeded(ledger);
    const target = entries.findIndex((entry) => entry.subject === 'change:CH-7');
    const forged = entries.map((entry, index) =>
      index === target ? { ...entry, data: { verdict: 'approve' } } : entry,
    );
    await ledger.rewrite(rehashed(forged, target));
    expect(await verifyLedger(ledger.source())).toMatchObject({ ok: true, entries: 10 });
    const result = await witnessed(ledger);
    expect(result).toMatchObject({ ok: false, problem: { kind: TamperKind.Forged } });
    if (!result.ok) expect(result.problem.seq).toBeGreaterThanOrEqual(target + 1);
  });

  it('detect a truncated ledger with its head anchor moved back', async () => {
    const ledger = await backend.create();
    const { entries } = await seeded(ledger);
    await ledger.rewrite(entries.slice(0, 6));
    expect(await verifyLedger(ledger.source())).toMatchObject({ ok: true, entries: 6 });
    expect(await witnessed(ledger)).toMatchObject({ ok: false, problem: { kind: TamperKind.Deleted, seq: 7 } });
  });

  it('detect a forged entry appended with a valid link and anchor', async () => {
    const ledger = await backend.create();
    const { entries } = await seeded(ledger);
    const extra = {
      ...entries.at(-1)!,
      seq: 11,
      subject: 'change:CH-7',
      data: { verdict: 'approve' },
      prevHash: entries.at(-1)!.hash,
      hash: '',
    };
    await ledger.rewrite([...entries, { ...extra, hash: hashEntry(extra) }]);
    expect(await verifyLedger(ledger.source())).toMatchObject({ ok: true, entries: 11 });
    expect(await witnessed(ledger)).toMatchObject({ ok: false, problem: { kind: TamperKind.Unsigned, seq: 11 } });
  });

  it('detect a checkpoint signed with another key', async () => {
    const ledger = await backend.create();
    const { entries } = await seeded(ledger);
    const forged = rehashed(
      entries.map((entry, index) => (index === 6 ? { ...entry, data: { verdict: 'approve' } } : entry)),
      6,
    );
    await ledger.rewrite(forged);
    await ledger.rewriteCheckpoints([
      await signCheckpoint({ from: 1, to: 10, hash: forged.at(-1)!.hash, at: new Date().toISOString() }, otherKey),
    ]);
    expect(await witnessed(ledger)).toMatchObject({ ok: false, problem: { kind: TamperKind.Forged } });
  });

  it('detect a ledger and its checkpoints both cut back to an older signed state, against the head a manifest witnessed', async () => {
    const ledger = await backend.create();
    const { entries, head } = await seeded(ledger);
    const lines = await ledger.checkpoints().readAll();
    await ledger.rewrite(entries.slice(0, 6));
    await ledger.rewriteCheckpoints(lines.slice(0, 6));
    expect(await witnessed(ledger)).toMatchObject({ ok: true, entries: 6 });
    expect(await witnessed(ledger, head)).toMatchObject({ ok: false, problem: { kind: TamperKind.Deleted, seq: 7 } });
  });

  it('accept the untouched ledger against its witnessed head, and a reopened store keeps checkpointing', async () => {
    const ledger = await backend.create();
    const { head } = await seeded(ledger);
    expect(await witnessed(ledger, head)).toMatchObject({ ok: true, entries: 10 });
    const store = await ledger.open();
    await store.append({
      type: LedgerEventType.ReviewSubmitted,
      actor: { id: 'late', kind: ActorKind.User },
      subject: 'change:CH-11',
      data: {},
    });
    expect(await store.verify(head)).toMatchObject({ ok: true, entries: 11 });
    await store.close();
  });
});

describe('signed checkpoints under random tampering (embedded JSONL)', () => {
  it('any change to a stored entry that keeps the chain valid is caught', async () => {
    const ledger = await backends[0]!.create();
    const { entries } = await seeded(ledger);
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: entries.length - 1 }),
        fc.oneof(fc.constant('edit'), fc.constant('truncate'), fc.constant('drop')),
        async (index, attack) => {
          let tampered: LedgerEntry[];
          if (attack === 'edit')
            tampered = rehashed(
              entries.map((entry, at) =>
                at === index ? { ...entry, actor: { id: 'mallory', kind: ActorKind.User } } : entry,
              ),
              index,
            );
          else if (attack === 'truncate') tampered = entries.slice(0, index);
          else
            tampered = rehashed(
              entries.filter((_, at) => at !== index).map((entry, at) => ({ ...entry, seq: at + 1 })),
              index,
            );
          await ledger.rewrite(tampered);
          expect((await witnessed(ledger)).ok).toBe(false);
        },
      ),
      { numRuns: 25 },
    );
    await ledger.rewrite(entries);
    expect((await witnessed(ledger)).ok).toBe(true);
  });
});
