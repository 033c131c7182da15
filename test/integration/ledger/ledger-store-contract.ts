import { afterEach, describe, expect, it } from 'vitest';
import { ValidationError } from '../../../src/errors/index.js';
import {
  ActorKind,
  GENESIS_HASH,
  hashEntry,
  LedgerEventType,
  type LedgerAppend,
  type VerifiableLedgerStore,
} from '../../../src/ledger/index.js';

/** A place a store keeps its ledger; every `open` reaches the same ledger. */
export interface LedgerStoreHarness {
  open(): Promise<VerifiableLedgerStore>;
}

/** A typical append for tests. */
export function sampleAppend(index: number): LedgerAppend {
  return {
    type: LedgerEventType.ReviewSubmitted,
    actor: { id: `reviewer-${index % 3}`, kind: ActorKind.User, roles: ['reviewer'] },
    subject: `change:CH-${index}`,
    data: { index, verdict: index % 2 === 0 ? 'approve' : 'request-changes', notes: ['ünïcødé', null, 1.5] },
  };
}

/** The behaviour every LedgerStore implementation must show; run once per store. */
export function describeLedgerStoreContract(name: string, makeHarness: () => LedgerStoreHarness): void {
  describe(`${name} (LedgerStore contract)`, () => {
    const opened: VerifiableLedgerStore[] = [];
    const open = async (harness: LedgerStoreHarness) => {
      const store = await harness.open();
      opened.push(store);
      return store;
    };

    afterEach(async () => {
      await Promise.all(opened.splice(0).map((store) => store.close()));
    });

    it('starts empty: no head, nothing to read, and verifies', async () => {
      const store = await open(makeHarness());
      expect(await store.head()).toBeUndefined();
      expect(await store.readAfter(0)).toEqual([]);
      expect(await store.verify()).toMatchObject({ ok: true, entries: 0, head: GENESIS_HASH });
    });

    it('appends entries with consecutive seqs, each hashing its own content and linking to the previous', async () => {
      const store = await open(makeHarness());
      const first = await store.append(sampleAppend(1));
      const second = await store.append({ ...sampleAppend(2), at: '2025-01-02T03:04:05.000Z' });
      expect(first).toMatchObject({ seq: 1, prevHash: GENESIS_HASH, subject: 'change:CH-1' });
      expect(second).toMatchObject({ seq: 2, prevHash: first.hash, at: '2025-01-02T03:04:05.000Z' });
      expect(hashEntry(second)).toBe(second.hash);
      expect(await store.head()).toEqual({ seq: 2, hash: second.hash });
      expect(await store.readAfter(0)).toEqual([first, second]);
    });

    it('reads the entries after a seq, at most limit of them', async () => {
      const store = await open(makeHarness());
      for (let index = 1; index <= 6; index += 1) await store.append(sampleAppend(index));
      expect((await store.readAfter(2, 3)).map((entry) => entry.seq)).toEqual([3, 4, 5]);
      expect((await store.readAfter(4)).map((entry) => entry.seq)).toEqual([5, 6]);
      expect(await store.readAfter(6)).toEqual([]);
      expect(await store.readAfter(9, 2)).toEqual([]);
    });

    it('keeps the chain across close and reopen', async () => {
      const harness = makeHarness();
      const before = await open(harness);
      await before.append(sampleAppend(1));
      const second = await before.append(sampleAppend(2));
      await before.close();
      const after = await open(harness);
      expect(await after.head()).toEqual({ seq: 2, hash: second.hash });
      const third = await after.append(sampleAppend(3));
      expect(third).toMatchObject({ seq: 3, prevHash: second.hash });
      expect(await after.verify()).toMatchObject({ ok: true, entries: 3, head: third.hash });
    });

    it('keeps one valid chain when 200 appends from one process race', async () => {
      const store = await open(makeHarness());
      const entries = await Promise.all(Array.from({ length: 200 }, (_, index) => store.append(sampleAppend(index))));
      expect(entries.map((entry) => entry.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 200 }, (_, index) => index + 1),
      );
      const stored = await store.readAfter(0);
      expect(stored.map((entry) => entry.data.index).sort((a, b) => Number(a) - Number(b))).toEqual(
        Array.from({ length: 200 }, (_, index) => index),
      );
      stored.forEach((entry, index) =>
        expect(entry.prevHash).toBe(index === 0 ? GENESIS_HASH : stored[index - 1]!.hash),
      );
      expect(await store.verify()).toMatchObject({ ok: true, entries: 200 });
    });

    it('rejects a malformed append with the paths of the bad fields and stores nothing', async () => {
      const store = await open(makeHarness());
      const bad = { ...sampleAppend(1), actor: { id: 'x', kind: 'robot' }, subject: '' } as unknown as LedgerAppend;
      const error = await store.append(bad).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path).sort()).toEqual(['actor.kind', 'subject']);
      expect(await store.head()).toBeUndefined();
    });

    it('rejects readAfter arguments that are not whole numbers', async () => {
      const store = await open(makeHarness());
      await expect(store.readAfter(-1)).rejects.toBeInstanceOf(ValidationError);
      await expect(store.readAfter(0, 0)).rejects.toThrow(/limit/);
    });

    it('reads entries by seq, leaving out seqs past the head, and refuses seqs out of order', async () => {
      const store = await open(makeHarness());
      for (let index = 1; index <= 5; index += 1) await store.append(sampleAppend(index));
      const entries = await store.readSeqs([2, 4, 9]);
      expect(entries.map((entry) => [entry.seq, entry.data.index])).toEqual([
        [2, 2],
        [4, 4],
      ]);
      expect(entries).toEqual((await store.readAfter(0)).filter((entry) => entry.seq === 2 || entry.seq === 4));
      await expect(store.readSeqs([3, 1])).rejects.toThrow(/seqs\.1/);
      await expect(store.readSeqs([0])).rejects.toBeInstanceOf(ValidationError);
    });

    it('reports each committed entry once, in seq order, before its append resolves', async () => {
      const store = await open(makeHarness());
      const reported: number[] = [];
      const stop = store.onAppended!((entries) => reported.push(...entries.map((entry) => entry.seq)));
      const seen = await Promise.all(
        [1, 2, 3].map(async (index) => {
          const entry = await store.append(sampleAppend(index));
          return reported.includes(entry.seq);
        }),
      );
      expect(seen).toEqual([true, true, true]);
      expect(reported).toEqual([1, 2, 3]);
      stop();
      await store.append(sampleAppend(4));
      expect(reported).toEqual([1, 2, 3]);
    });

    it('never stores the value of a secret-named field', async () => {
      const store = await open(makeHarness());
      await store.append({
        ...sampleAppend(1),
        data: { webhook: { webhookSecret: 's3cr3t-hook', url: 'https://x' }, Token: 'tok-live-1' },
      });
      const [entry] = await store.readAfter(0);
      expect(JSON.stringify(entry)).not.toMatch(/s3cr3t-hook|tok-live-1/);
      expect(entry!.data).toEqual({
        webhook: { webhookSecret: { $redacted: true }, url: 'https://x' },
        Token: { $redacted: true },
      });
    });

    it('refuses appends once closed', async () => {
      const store = await makeHarness().open();
      await store.close();
      await expect(store.append(sampleAppend(1))).rejects.toThrow(/closed/);
    });
  });
}
