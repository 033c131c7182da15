import type { z } from 'zod';
import { fieldIssuesFromZod, formatFieldIssue } from '../errors/index.js';
import type { LedgerEntry } from '../ledger/ledger-entry.js';

/** A ledger entry a projection could not apply, and why; kept so operators can see it instead of losing it. */
export interface SkippedEntry {
  readonly seq: number;
  readonly type: string;
  readonly reason: string;
}

/** A SkippedEntry for an entry whose payload fails its schema. */
export function skippedForPayload(entry: LedgerEntry, error: z.ZodError): SkippedEntry {
  return {
    seq: entry.seq,
    type: entry.type,
    reason: `invalid payload: ${fieldIssuesFromZod(error).map(formatFieldIssue).join('; ')}`,
  };
}
