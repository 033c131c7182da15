/** How verification classifies the first problem it finds in a chain. */
export enum TamperKind {
  /** An entry's content no longer matches its hash, or a stored record is not a valid entry. */
  Edited = 'edited',
  /** An entry is missing: a gap in seq, or the chain ends before the head anchor. */
  Deleted = 'deleted',
  /** Entries are intact but out of order (swapped, moved or duplicated). */
  Reordered = 'reordered',
}
