import { createHash } from 'node:crypto';
import type { JWK } from 'jose';
import { signLedgerBase, verifyLedgerBase, type LedgerBase } from '../../ledger/ledger-base.js';
import type { LedgerSigningKey } from '../../ledger/ledger-checkpoint.js';
import { decodeSnapshotState } from './snapshot-codec.js';
import type { StoredSnapshot } from './snapshot-store.js';

/** A snapshot whose seal verified: the base it binds to and the decoded state (the fold of entries 1..base.seq). */
export interface OpenedSnapshot {
  readonly base: LedgerBase;
  readonly state: unknown;
}

/** Why a stored snapshot was not used. */
export type SnapshotRejection = { readonly ok: false; readonly reason: string };

function digest(body: string): string {
  return createHash('sha256').update(body, 'utf8').digest('hex');
}

/**
 * Seals a projection state folded up to `base.seq`: the body is the encoded state (`encodeSnapshotState`), the seal a signed ledger base
 * naming the body's SHA-256, so neither can be changed or swapped without the ledger key.
 */
export async function sealSnapshot(
  body: string,
  base: Omit<LedgerBase, 'state'>,
  key: LedgerSigningKey,
): Promise<StoredSnapshot> {
  const seal = await signLedgerBase({ ...base, state: digest(body) }, key);
  return { seal, body };
}

/**
 * Opens a stored snapshot: the seal must be a ledger base signed by one of `publicKeys`, the body must have the
 * digest it names and decode. Binding to the ledger (its entry at `base.seq` has `base.hash`) is checked by the
 * verification that starts from the base.
 */
export async function openSnapshot(
  stored: StoredSnapshot,
  publicKeys: readonly JWK[],
): Promise<({ readonly ok: true } & OpenedSnapshot) | SnapshotRejection> {
  const base = await verifyLedgerBase(stored.seal, publicKeys);
  if (!base) return { ok: false, reason: 'its seal is not a ledger base signed by the ledger key' };
  if (base.state === undefined || digest(stored.body) !== base.state)
    return { ok: false, reason: 'its body does not have the digest its seal names' };
  try {
    return { ok: true, base, state: decodeSnapshotState(stored.body) };
  } catch (error) {
    return { ok: false, reason: error instanceof Error ? error.message : String(error) };
  }
}
