import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseChangeRecord, redactChangeRecord, type ChangeRecord } from '../../../src/changes/model/index.js';
import { IntegrityError } from '../../../src/errors/index.js';
import { ActorKind, LedgerEventType } from '../../../src/ledger/index.js';
import { changeSubject, ledgerPayload } from '../../../src/ledger-events/index.js';
import {
  decodeSnapshotState,
  encodeSnapshotState,
  LedgerProjections,
  type LedgerProjectionsState,
} from '../../../src/projections/index.js';
import { ephemeralRedactionKey, secretKeyMatcher } from '../../../src/redaction/index.js';
import { MemoryLedgerStore } from './memory-ledger-store.js';

const text = readFileSync(
  fileURLToPath(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url)),
  'utf8',
);
/** The example as the service writes it: secrets redacted before the record reaches the ledger. */
const example = redactChangeRecord(parseChangeRecord(text), secretKeyMatcher(['api[-_]?key']), ephemeralRedactionKey());
const actor = { id: 'alice@example.com', kind: ActorKind.User, roles: ['aiPlatformOwner'] };
const CACHE_BYTES = 256 * 1024;
/** Close to the 64 KiB a value may hold. */
const LARGE = 60_000;

/** A record whose every flag proposes a prompt of `size` characters that starts with `marker`. */
function recordWith(key: string, marker: string, size: number): ChangeRecord {
  const prompt = marker + 'x'.repeat(Math.max(0, size - marker.length));
  return {
    ...example,
    key,
    flags: example.flags.map((flag) => ({
      ...flag,
      candidate: { prompt },
      rollbackValue: { prompt: `${prompt}-rollback` },
    })),
  };
}

async function write(store: MemoryLedgerStore, record: ChangeRecord, edit: boolean): Promise<void> {
  const type = edit ? LedgerEventType.ChangeEdited : LedgerEventType.ChangeCreated;
  await store.append({ type, actor, subject: changeSubject(record.key), data: ledgerPayload(type, { record }) });
}

/** Bytes of the projection state as a snapshot keeps it: what the process holds for change records between requests. */
function stateBytes(projections: LedgerProjections): number {
  return Buffer.byteLength(encodeSnapshotState(projections.exportState()), 'utf8');
}

async function historyOf(count: number, size: number): Promise<{ store: MemoryLedgerStore; records: ChangeRecord[] }> {
  const store = new MemoryLedgerStore();
  const records: ChangeRecord[] = [];
  for (let i = 0; i < count; i += 1) {
    const record = recordWith(`change-${i}`, `m${i}-`, size);
    records.push(record);
    await write(store, record, false);
  }
  return { store, records };
}

describe('change-record projection memory', () => {
  it('holds the same bytes for 60 records of 60 KB values as for 60 records of tiny ones, and the LRU at most its bound after reading them all', async () => {
    const small = await historyOf(60, 10);
    const large = await historyOf(60, LARGE);
    const smallProjections = new LedgerProjections(small.store, { recordCacheBytes: CACHE_BYTES });
    const largeProjections = new LedgerProjections(large.store, { recordCacheBytes: CACHE_BYTES });
    await smallProjections.catchUp();
    await largeProjections.catchUp();
    const stored = large.store.entries.reduce((sum, entry) => sum + JSON.stringify(entry.data).length, 0);
    // only the digits of each value's byte count differ (3 values per flag); nothing grows with the values
    const perValueDigits = 5 * 3 * example.flags.length;
    expect(stateBytes(largeProjections) - stateBytes(smallProjections)).toBeLessThanOrEqual(60 * perValueDigits);
    expect(stored).toBeGreaterThan(60 * LARGE * 2);
    for (const [index, record] of large.records.entries()) {
      expect((await largeProjections.loadedChange(record.key))?.record).toEqual(record);
      expect(largeProjections.retainedValueBytes()).toBeLessThanOrEqual(CACHE_BYTES);
      if (index > 10) expect(largeProjections.retainedValueBytes()).toBeGreaterThan(CACHE_BYTES / 2);
    }
  });

  it('keeps the LRU within its bound and answers every record as last written, over random writes and reads (property)', async () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant('write' as const), change: fc.nat(5), size: fc.integer({ min: 1, max: LARGE }) }),
      fc.record({ kind: fc.constant('read' as const), change: fc.nat(5), size: fc.constant(0) }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(step, { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 0, max: 200_000 }),
        async (steps, cacheBytes) => {
          const store = new MemoryLedgerStore();
          const projections = new LedgerProjections(store, { recordCacheBytes: cacheBytes });
          const written = new Map<string, ChangeRecord>();
          for (const [at, item] of steps.entries()) {
            const key = `change-${item.change}`;
            if (item.kind === 'write') {
              const record = recordWith(key, `s${at}-`, item.size);
              await write(store, record, written.has(key));
              written.set(key, record);
              continue;
            }
            await projections.catchUp();
            expect((await projections.loadedChange(key))?.record).toEqual(written.get(key));
            expect(projections.retainedValueBytes()).toBeLessThanOrEqual(cacheBytes);
          }
          await projections.catchUp();
          const state = encodeSnapshotState(projections.exportState());
          for (const [at, item] of steps.entries())
            if (item.kind === 'write' && item.size > 200) expect(state).not.toContain(`"s${at}-xxxx`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reads full records after a restore from a snapshot, which holds no values either', async () => {
    const { store, records } = await historyOf(5, LARGE);
    const before = new LedgerProjections(store);
    await before.catchUp();
    const body = encodeSnapshotState(before.exportState());
    expect(body.length).toBeLessThan(5 * LARGE);
    const restored = new LedgerProjections(store);
    restored.restore(decodeSnapshotState(body) as LedgerProjectionsState);
    await restored.catchUp();
    for (const record of records) expect((await restored.loadedChange(record.key))?.record).toEqual(record);
  });

  it('refuses a record whose ledger entry was rewritten after it was folded', async () => {
    const { store, records } = await historyOf(1, 100);
    const projections = new LedgerProjections(store, { recordCacheBytes: 0 });
    await projections.catchUp();
    const swapped = recordWith(records[0]!.key, 'approve-me-', 100);
    store.entries[0] = {
      ...store.entries[0]!,
      data: ledgerPayload(LedgerEventType.ChangeCreated, { record: swapped }),
    };
    await expect(projections.loadedChange(records[0]!.key)).rejects.toThrow(IntegrityError);
    await expect(projections.loadedChange(records[0]!.key)).rejects.toThrow(
      /differs from the record the projection folded/,
    );
  });
});
