import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parseChangeRecord } from '../../../src/changes/model/index.js';
import {
  ActorKind,
  LedgerEventType,
  RedisLedgerStore,
  type LedgerAppend,
  type LedgerEntry,
} from '../../../src/ledger/index.js';
import { changeSubject, ledgerPayload } from '../../../src/ledger-events/index.js';
import { LedgerProjections } from '../../../src/projections/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const record = parseChangeRecord(
  readFileSync(new URL('../../../policies/examples/high-model-provider-change.yaml', import.meta.url), 'utf8'),
);
const actor = { id: 'alice@example.com', kind: ActorKind.User };
const created = (key: string): LedgerAppend => ({
  type: LedgerEventType.ChangeCreated,
  actor,
  subject: changeSubject(key),
  data: ledgerPayload(LedgerEventType.ChangeCreated, { record: { ...record, key } }),
});

/** The Redis store of one process, counting how often its projections read from Redis. */
class CountingStore extends RedisLedgerStore {
  reads = 0;
  override readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]> {
    this.reads += 1;
    return super.readAfter(afterSeq, limit);
  }
}

const stores: RedisLedgerStore[] = [];
const open = (prefix: string) => {
  const store = new CountingStore({ redis: testRedisUrl(), prefix });
  stores.push(store);
  return store;
};

afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});

describe('LedgerProjections and the entries this process appends', () => {
  it('folds the entries its store appends, before the append resolves, without reading them back', async () => {
    const store = open(uniquePrefix('own-appends'));
    const projections = new LedgerProjections(store);
    await projections.catchUp();
    const readsBefore = store.reads;

    await store.append(created('first-change'));
    expect(projections.changes.changes.get('first-change')?.record.title).toBe(record.title);
    await projections.catchUpOwnWrites();

    expect(store.reads).toBe(readsBefore);
  });

  it('waits for a read when another process appended in between, and tells listeners of each entry once', async () => {
    const prefix = uniquePrefix('own-appends-gap');
    const store = open(prefix);
    const otherProcess = open(prefix);
    const projections = new LedgerProjections(store);
    const seen: number[] = [];
    projections.onEntries((entries) => seen.push(...entries.map((entry) => entry.seq)));
    await projections.catchUp();

    await otherProcess.append(created('theirs'));
    await store.append(created('mine'));
    expect(projections.changes.changes.has('mine')).toBe(false);

    await projections.catchUpOwnWrites();
    expect([...projections.changes.changes.keys()].sort()).toEqual(['mine', 'theirs']);
    await projections.catchUp();
    expect(seen).toEqual([1, 2]);
  });

  it('folds entries offered out of order in seq order', async () => {
    const prefix = uniquePrefix('own-appends-order');
    const writer = open(prefix);
    const projections = new LedgerProjections(open(prefix));
    await projections.catchUp();
    const [first, second] = await Promise.all([writer.append(created('one')), writer.append(created('two'))]);
    const seen: number[] = [];
    projections.onEntries((entries) => seen.push(...entries.map((entry) => entry.seq)));

    projections.offerAppended(second!);
    expect(projections.lastSeq).toBe(0);
    projections.offerAppended(first!);

    expect(projections.lastSeq).toBe(2);
    expect(seen).toEqual([1, 2]);
  });
});
