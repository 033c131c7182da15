import { fieldIssuesFromZod, formatFieldIssue } from '../errors/index.js';
import { GENESIS_HASH, type LedgerEntry } from './ledger-entry.js';
import type { LedgerRecord, LedgerRecordSource } from './ledger-record-source.js';
import type { LedgerHead } from './ledger-store.js';
import type { LedgerProblem, LedgerVerification } from './ledger-verification.js';
import { hashEntry } from './hash-entry.js';
import { ledgerEntrySchema } from './ledger-schema.js';
import { TamperKind } from './tamper-kind.js';

type ParsedRecord = { readonly entry: LedgerEntry } | { readonly reason: string };

/**
 * Walks a store's records and reports the first problem: each record must parse, match its own hash, carry the
 * next seq and link to the previous hash, and the chain must reach the head anchor with the anchor's hash.
 * An intact entry found where another seq belongs is `reordered` when the missing seq turns up later, else
 * `deleted`. A ledger without an anchor is accepted only while it holds at most one entry (a crash can leave
 * the first append without its anchor). With `base` (a point verified before: a signed ledger base) the walk starts at
 * the base's entry, which must be stored with the base's hash, and checks only what follows it; its `offset` (where
 * that entry starts in the file, as the signed base's schema reads it: maybe undefined) is a hint.
 */
export async function verifyLedger(
  source: LedgerRecordSource,
  base?: LedgerHead & { readonly offset?: number | undefined },
): Promise<LedgerVerification> {
  const anchor = await source.readAnchor();
  let expected = 1;
  let prevHash = GENESIS_HASH;
  let tornTail = false;
  let gap: { readonly found: number } | undefined;
  const tampered = (problem: LedgerProblem): LedgerVerification => ({ ok: false, entries: expected - 1, problem });
  const records = base ? source.recordsFrom(base.seq, base.offset) : source.records();
  let atBase = base !== undefined;

  for await (const record of records) {
    if (atBase) {
      // the base is checked, not re-verified: its entry must be stored as the signed base says, and the chain goes on from it
      atBase = false;
      const parsed = record.complete ? parseRecord(record) : { reason: 'line end missing' };
      if (!('entry' in parsed) || parsed.entry.seq !== base!.seq || parsed.entry.hash !== base!.hash) {
        const found = 'entry' in parsed ? `seq ${parsed.entry.seq} with another hash` : parsed.reason;
        return {
          ok: false,
          entries: 0,
          problem: {
            seq: base!.seq,
            kind: TamperKind.Forged,
            detail: `the entry at the verified base differs from it (${found})`,
          },
        };
      }
      expected = base!.seq + 1;
      prevHash = base!.hash;
      continue;
    }
    if (gap) {
      const later = parseRecord(record);
      if ('entry' in later && later.entry.seq === expected) {
        return tampered({
          seq: expected,
          kind: TamperKind.Reordered,
          detail: `found seq ${gap.found} in its place; seq ${expected} comes later`,
        });
      }
      continue;
    }
    if (!record.complete) {
      if (anchor && anchor.seq >= expected) {
        return tampered({
          seq: expected,
          kind: TamperKind.Edited,
          detail: 'line end missing although the head anchor covers this entry',
        });
      }
      tornTail = true;
      break;
    }
    const parsed = parseRecord(record);
    if (!('entry' in parsed)) return tampered({ seq: expected, kind: TamperKind.Edited, detail: parsed.reason });
    const entry = parsed.entry;
    if (entry.seq !== expected) {
      if (entry.seq < expected) {
        return tampered({
          seq: expected,
          kind: TamperKind.Reordered,
          detail: `found seq ${entry.seq} again where seq ${expected} belongs`,
        });
      }
      gap = { found: entry.seq };
      continue;
    }
    if (entry.prevHash !== prevHash) {
      return tampered({
        seq: expected,
        kind: TamperKind.Edited,
        detail: `prevHash does not match the hash of seq ${expected - 1}`,
      });
    }
    if (anchor && anchor.seq === expected && anchor.hash !== entry.hash) {
      return tampered({ seq: expected, kind: TamperKind.Edited, detail: 'hash differs from the head anchor' });
    }
    prevHash = entry.hash;
    expected += 1;
  }

  if (atBase)
    return {
      ok: false,
      entries: 0,
      problem: {
        seq: base!.seq,
        kind: TamperKind.Deleted,
        detail: `the ledger ends before seq ${base!.seq}, the verified base`,
      },
    };
  const count = expected - 1;
  if (gap) {
    const missing =
      gap.found - 1 === expected ? `seq ${expected} is missing` : `seq ${expected} to ${gap.found - 1} are missing`;
    return tampered({ seq: expected, kind: TamperKind.Deleted, detail: missing });
  }
  if (anchor && anchor.seq > count) {
    return tampered({
      seq: expected,
      kind: TamperKind.Deleted,
      detail: `the ledger ends at seq ${count} but its head anchor names seq ${anchor.seq}`,
    });
  }
  if (!anchor && count > 1) {
    return tampered({
      seq: expected,
      kind: TamperKind.Deleted,
      detail: `the head anchor is missing, so entries after seq ${count} may have been deleted`,
    });
  }
  return { ok: true, entries: count, head: prevHash, tornTail };
}

function parseRecord(record: LedgerRecord): ParsedRecord {
  let raw: unknown;
  try {
    raw = JSON.parse(record.text);
  } catch {
    return { reason: 'not valid JSON' };
  }
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { reason: 'not a JSON object' };
  if (hashEntry(raw) !== (raw as { hash?: unknown }).hash) return { reason: 'hash mismatch' };
  const result = ledgerEntrySchema.safeParse(raw);
  if (!result.success)
    return { reason: `not a ledger entry: ${fieldIssuesFromZod(result.error).map(formatFieldIssue).join('; ')}` };
  return { entry: raw as LedgerEntry };
}
