import { IntegrityError, fieldIssuesFromZod, formatFieldIssue } from '../errors/index.js';
import type { LedgerEntry } from './ledger-entry.js';
import { hashEntry } from './hash-entry.js';
import { ledgerEntrySchema } from './ledger-schema.js';

/**
 * Parses one stored record that should be entry `seq` and checks it against its own hash, so readers never
 * serve a damaged entry as if it were genuine.
 */
export function parseStoredEntry(text: string, seq: number, location: string): LedgerEntry {
  const damaged = (reason: string) =>
    new IntegrityError(`${location}: seq ${seq} is damaged (${reason}); run \`featgate audit verify\``);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw damaged('not valid JSON');
  }
  const result = ledgerEntrySchema.safeParse(raw);
  if (!result.success) throw damaged(fieldIssuesFromZod(result.error).map(formatFieldIssue).join('; '));
  const entry = raw as LedgerEntry;
  if (hashEntry(entry) !== entry.hash) throw damaged('hash mismatch');
  if (entry.seq !== seq) throw damaged(`found seq ${entry.seq} in its place`);
  return entry;
}
