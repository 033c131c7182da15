import type { LedgerVerification } from './ledger-verification.js';

/** One line for people: `ok: N entries, head <hash>` or `seq 42: edited (hash mismatch)`. */
export function formatLedgerVerification(result: LedgerVerification): string {
  if (result.ok) return `ok: ${result.entries} entries, head ${result.head}`;
  return `seq ${result.problem.seq}: ${result.problem.kind} (${result.problem.detail})`;
}
