import type { LedgerHead } from './ledger-store.js';

/** Encodes a head as the head key stores it: `<seq>:<hash>`, or '' for an empty ledger. */
export function encodeRedisHead(head: LedgerHead | undefined): string {
  return head ? `${head.seq}:${head.hash}` : '';
}

/** Decodes the head key's value; undefined for a missing key and for anything malformed. */
export function decodeRedisHead(value: string | null | undefined): LedgerHead | undefined {
  const match = /^(\d+):([0-9a-f]{64})$/.exec(value ?? '');
  return match ? { seq: Number(match[1]), hash: match[2]! } : undefined;
}
