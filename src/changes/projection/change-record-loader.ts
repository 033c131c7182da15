import type { ChangeRecord } from '../model/index.js';
import { IntegrityError } from '../../errors/index.js';
import type { LedgerStore } from '../../ledger/ledger-store.js';
import { LedgerEventType } from '../../ledger/ledger-event-type.js';
import { readLedgerPayload } from '../../ledger-events/index.js';
import { matchesOutline } from './change-record-outline.js';
import type { ChangeRecordState } from './change-record-state.js';

/** Bytes of full records a loader keeps by default (a few of the largest records a write may hold). */
export const DEFAULT_RECORD_CACHE_BYTES = 4 * 1024 * 1024;

/** Options of a ChangeRecordLoader. */
export interface ChangeRecordLoaderOptions {
  /** Most bytes (JSON of the records) the cache keeps; a record larger than this is loaded but never kept. */
  readonly maxBytes?: number;
}

interface Cached {
  readonly record: ChangeRecord;
  readonly bytes: number;
}

/**
 * Loads the full change record (with its values) of a projected change from the ledger entry that wrote it, by
 * seq, and keeps the most recently used ones in an LRU bounded by bytes, so what stays in memory is bounded by
 * `maxBytes` whatever the number and size of stored records. A loaded record must match the projection's outline
 * (same fields, values with the same hashes): an entry changed in the store since it was folded is an IntegrityError.
 */
export class ChangeRecordLoader {
  private readonly cache = new Map<number, Cached>();
  private readonly loading = new Map<number, Promise<ChangeRecord>>();
  private bytes = 0;
  private readonly maxBytes: number;

  constructor(
    private readonly ledger: Pick<LedgerStore, 'readSeqs'>,
    options: ChangeRecordLoaderOptions = {},
  ) {
    this.maxBytes = options.maxBytes ?? DEFAULT_RECORD_CACHE_BYTES;
  }

  /** The full record of `state` (its latest version, as `state.recordSeq` wrote it). */
  load(state: Pick<ChangeRecordState, 'key' | 'record' | 'recordSeq'>): Promise<ChangeRecord> {
    const cached = this.cache.get(state.recordSeq);
    if (cached) {
      // re-insert: a Map iterates in insertion order, so the first key is the least recently used
      this.cache.delete(state.recordSeq);
      this.cache.set(state.recordSeq, cached);
      return Promise.resolve(cached.record);
    }
    let pending = this.loading.get(state.recordSeq);
    if (!pending) {
      pending = this.read(state).finally(() => this.loading.delete(state.recordSeq));
      this.loading.set(state.recordSeq, pending);
    }
    return pending;
  }

  /** Bytes of record JSON the cache holds now (at most `maxBytes`). */
  retainedBytes(): number {
    return this.bytes;
  }

  /** Records the cache holds now. */
  get size(): number {
    return this.cache.size;
  }

  private async read(state: Pick<ChangeRecordState, 'key' | 'record' | 'recordSeq'>): Promise<ChangeRecord> {
    const [entry] = await this.ledger.readSeqs([state.recordSeq]);
    const wrong = (why: string) => new IntegrityError(`ledger entry ${state.recordSeq} of change ${state.key} ${why}`);
    if (!entry || entry.seq !== state.recordSeq) throw wrong('cannot be read back');
    if (entry.type !== LedgerEventType.ChangeCreated && entry.type !== LedgerEventType.ChangeEdited)
      throw wrong(`is a ${entry.type}, not the record`);
    const read = readLedgerPayload(entry.type, entry.data);
    if (!read.ok) throw wrong('no longer holds a valid record');
    const record = read.payload.record;
    if (record.key !== state.key || !matchesOutline(record, state.record))
      throw wrong('differs from the record the projection folded');
    this.keep(state.recordSeq, record);
    return record;
  }

  private keep(seq: number, record: ChangeRecord): void {
    const bytes = Buffer.byteLength(JSON.stringify(record), 'utf8');
    if (bytes > this.maxBytes || this.cache.has(seq)) return;
    this.cache.set(seq, { record, bytes });
    this.bytes += bytes;
    for (const [oldest, cached] of this.cache) {
      if (this.bytes <= this.maxBytes) break;
      this.cache.delete(oldest);
      this.bytes -= cached.bytes;
    }
  }
}
