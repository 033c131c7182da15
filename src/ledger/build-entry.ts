import type { JsonObject } from '../canonical/index.js';
import type { Actor, LedgerAppend, LedgerEntry } from './ledger-entry.js';
import type { LedgerHead } from './ledger-store.js';
import { GENESIS_HASH } from './ledger-entry.js';
import { hashEntry } from './hash-entry.js';
import { isAlwaysSecretKey, redactSecrets } from '../redaction/index.js';

/** Builds the entry that follows `head` (or starts the chain), stamping the time and computing its hash. */
export function buildEntry(append: LedgerAppend, head: LedgerHead | undefined, now: Date = new Date()): LedgerEntry {
  const actor: Actor = {
    id: append.actor.id,
    kind: append.actor.kind,
    ...(append.actor.roles ? { roles: [...append.actor.roles] } : {}),
  };
  const withoutHash = {
    seq: (head?.seq ?? 0) + 1,
    type: append.type,
    at: append.at ?? now.toISOString(),
    actor,
    subject: append.subject,
    data: redactSecrets(append.data as JsonObject, isAlwaysSecretKey, undefined) as JsonObject,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  return { ...withoutHash, hash: hashEntry(withoutHash) };
}

/** Builds consecutive entries for a batch of appends on top of `head`. */
export function buildEntries(
  appends: readonly LedgerAppend[],
  head: LedgerHead | undefined,
  now: Date = new Date(),
): LedgerEntry[] {
  const entries: LedgerEntry[] = [];
  let previous = head;
  for (const append of appends) {
    const entry = buildEntry(append, previous, now);
    entries.push(entry);
    previous = { seq: entry.seq, hash: entry.hash };
  }
  return entries;
}

/** The one-line JSON form stores keep; field order follows the entry shape for readability. */
export function serializeEntry(entry: LedgerEntry): string {
  return JSON.stringify(entry);
}
