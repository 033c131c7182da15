import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type CryptoKey, type JWK } from 'jose';
import { z } from 'zod';
import { publicJwkMembers } from '@featgate/openfeature/manifest';
import { canonicalJson } from '../canonical/index.js';

/** JWS `typ` of a ledger checkpoint, so no other signed document (a manifest) is taken for one. */
export const CHECKPOINT_JWS_TYPE = 'featgate-ledger-checkpoint+jws';
const ALG = 'EdDSA';

/** The key checkpoints are signed with: Ed25519, kept outside the ledger's store (file or configuration). */
export interface LedgerSigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/**
 * A signed statement "entries `from`..`to` were appended by featgate, and entry `to` has hash `hash`". Since every
 * hash chains all earlier entries, a checkpoint pins everything up to `to`; the ranges together say which entries
 * featgate itself wrote.
 */
export const ledgerCheckpointSchema = z.object({
  from: z.number().int().min(1),
  to: z.number().int().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  at: z.iso.datetime(),
});
export type LedgerCheckpoint = z.infer<typeof ledgerCheckpointSchema>;

/** Signs a checkpoint as a compact JWS over its canonical JSON. */
export function signCheckpoint(checkpoint: LedgerCheckpoint, key: LedgerSigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(checkpoint)))
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: CHECKPOINT_JWS_TYPE })
    .sign(key.privateKey);
}

/** Verifies a checkpoint JWS against the given public keys; undefined when it is not a valid signed checkpoint. */
export async function verifyCheckpoint(jws: string, keys: readonly JWK[]): Promise<LedgerCheckpoint | undefined> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return undefined;
  }
  if (header.alg !== ALG || header.typ !== CHECKPOINT_JWS_TYPE) return undefined;
  for (const jwk of keys.filter((candidate) => candidate.kid === undefined || candidate.kid === header.kid)) {
    try {
      const key = await importJWK(publicJwkMembers(jwk), ALG);
      const { payload } = await compactVerify(jws, key, { algorithms: [ALG] });
      const parsed = ledgerCheckpointSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      if (parsed.success && parsed.data.from <= parsed.data.to) return parsed.data;
      return undefined;
    } catch {
      // try the next key
    }
  }
  return undefined;
}

/** Signs the checkpoint covering one appended batch (a store that writes checkpoints with its batches uses it). */
export function batchSigner(
  key: LedgerSigningKey,
): (entries: readonly { seq: number; hash: string }[]) => Promise<string> {
  return (entries) => {
    const first = entries[0];
    const last = entries[entries.length - 1];
    if (!first || !last) return Promise.reject(new Error('cannot sign an empty batch'));
    return signCheckpoint({ from: first.seq, to: last.seq, hash: last.hash, at: new Date().toISOString() }, key);
  };
}
