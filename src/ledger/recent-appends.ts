import type { LedgerEntry } from './ledger-entry.js';
import { parseStoredEntry } from './parse-stored-entry.js';

/**
 * The entries this store appended lately, with the exact text it stored for each. Reading one back (the
 * projections catch up after every write) then costs a string comparison instead of a JSON parse, a schema check
 * and a hash: a record whose stored text differs in any byte is parsed and checked in full as before.
 */
export class RecentAppends {
  private readonly entries = new Map<number, { readonly text: string; readonly entry: LedgerEntry }>();

  constructor(private readonly capacity = 1024) {}

  /** Remembers an entry just committed with the text stored for it, forgetting the oldest beyond capacity. */
  remember(entry: LedgerEntry, text: string): void {
    this.entries.set(entry.seq, { text, entry });
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value!);
  }

  /** Entry `seq` from its stored `text`: the remembered entry when the text is the one written, else parsed and checked. */
  read(text: string, seq: number, location: string): LedgerEntry {
    const known = this.entries.get(seq);
    return known && known.text === text ? known.entry : parseStoredEntry(text, seq, location);
  }
}
