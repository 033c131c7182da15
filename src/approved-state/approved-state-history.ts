import type { LedgerEntry, LedgerStore } from '../ledger/index.js';
import { LedgerEventType } from '../ledger/ledger-event-type.js';
import { flagSubject, readLedgerPayload } from '../ledger-events/index.js';
import type { ApprovedFlagState } from './model/index.js';

/** Entries read per page when walking the whole ledger. */
const PAGE_SIZE = 5000;

/**
 * The approved state an entry set, with its seq as version; undefined for any other entry or one whose payload the
 * projections' schema refuses (the projection skips those too, so a reader never sees a state the projection did not).
 */
export function approvedStateOf(entry: LedgerEntry): ApprovedFlagState | undefined {
  if (entry.type !== LedgerEventType.ApprovedStateSet && entry.type !== LedgerEventType.FlagAdopted) return undefined;
  const read = readLedgerPayload(entry.type, entry.data);
  return read.ok ? { ...read.payload.state, version: entry.seq } : undefined;
}

/**
 * The one reader of past approved states, straight from the ledger (the projections hold only the current one):
 * what a rollback, a break-glass exit or a stage check must come back to.
 */
export class ApprovedStateHistory {
  constructor(private readonly ledger: Pick<LedgerStore, 'readAfter' | 'readSeqs'>) {}

  /** The approved state entry `seq` set; undefined when that entry does not exist or sets none. */
  async at(seq: number): Promise<ApprovedFlagState | undefined> {
    if (!Number.isSafeInteger(seq) || seq < 1) return undefined;
    const [entry] = await this.ledger.readSeqs([seq]);
    return entry?.seq === seq ? approvedStateOf(entry) : undefined;
  }

  /** The newest of the approved states these entries set (ascending seqs, e.g. an audit index's candidates). */
  async latestAmong(seqs: readonly number[]): Promise<ApprovedFlagState | undefined> {
    const entries = await this.ledger.readSeqs(seqs);
    for (let index = entries.length - 1; index >= 0; index--) {
      const state = approvedStateOf(entries[index]!);
      if (state) return state;
    }
    return undefined;
  }

  /** Every approved state of one flag, oldest first, read page by page so a long ledger is never held at once. */
  async *of(envId: string, flagKey: string): AsyncGenerator<ApprovedFlagState> {
    const subject = flagSubject(envId, flagKey);
    for (let afterSeq = 0; ;) {
      const entries = await this.ledger.readAfter(afterSeq, PAGE_SIZE);
      if (entries.length === 0) return;
      for (const entry of entries) {
        afterSeq = entry.seq;
        if (entry.subject !== subject) continue;
        const state = approvedStateOf(entry);
        if (state) yield state;
      }
    }
  }
}
