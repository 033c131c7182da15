/** How verification classifies the first problem it finds in a chain. */
export enum TamperKind {
  /** An entry's content no longer matches its hash, or a stored record is not a valid entry. */
  Edited = 'edited',
  /** An entry is missing: a gap in seq, or the chain ends before the head anchor. */
  Deleted = 'deleted',
  /** Entries are intact but out of order (swapped, moved or duplicated). */
  Reordered = 'reordered',
  /**
   * The chain is intact in itself but contradicts a signed checkpoint or a witnessed head: entries were rewritten and
   * rehashed, or a checkpoint is not signed by the ledger key.
   */
  Forged = 'forged',
  /** Entries no signed checkpoint covers: appended by someone without the ledger key. */
  Unsigned = 'unsigned',
}
