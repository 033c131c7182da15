import { buildEntry } from '../../../src/ledger/index.js';
import type { LedgerAppend, LedgerEntry, LedgerHead, LedgerStore } from '../../../src/ledger/index.js';

/** A LedgerStore test double over an array; several projections may share one, like processes sharing Redis. */
export class MemoryLedgerStore implements LedgerStore {
  readonly entries: LedgerEntry[] = [];
  readAfterCalls = 0;

  async append(append: LedgerAppend): Promise<LedgerEntry> {
    const entry = buildEntry(append, await this.head());
    this.entries.push(entry);
    return entry;
  }

  async readAfter(afterSeq: number, limit?: number): Promise<LedgerEntry[]> {
    this.readAfterCalls += 1;
    const after = this.entries.filter((entry) => entry.seq > afterSeq);
    return limit === undefined ? after : after.slice(0, limit);
  }

  async readSeqs(seqs: readonly number[]): Promise<LedgerEntry[]> {
    return this.entries.filter((entry) => seqs.includes(entry.seq));
  }

  async head(): Promise<LedgerHead | undefined> {
    const last = this.entries.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : undefined;
  }

  async close(): Promise<void> {}
}
