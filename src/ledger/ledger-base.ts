import { CompactSign, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { z } from 'zod';
import { publicJwkMembers } from '@featgate/openfeature/manifest';
import { canonicalJson } from '../canonical/index.js';
import type { LedgerSigningKey } from './ledger-checkpoint.js';

/** JWS `typ` of a signed ledger base, so neither a checkpoint nor a manifest is taken for one. */
export const LEDGER_BASE_JWS_TYPE = 'featgate-ledger-base+jws';
const ALG = 'EdDSA';
const hexHash = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A point of the chain verification may start from instead of genesis: "entry `seq` has hash `hash`, every entry up
 * to it was verified against its signed checkpoints, and the checkpoints written after it start at position
 * `checkpoints` of the checkpoint store". `offset` is where entry `seq` starts in the embedded file (a hint a reader
 * checks, never trusts). `state` is the SHA-256 of the projection state folded up to `seq`, when the base seals a
 * projection snapshot.
 */
export const ledgerBaseSchema = z.strictObject({
  seq: z.number().int().min(1),
  hash: hexHash,
  checkpoints: z.number().int().nonnegative(),
  offset: z.number().int().nonnegative().optional(),
  state: hexHash.optional(),
  at: z.iso.datetime(),
});
export type LedgerBase = z.infer<typeof ledgerBaseSchema>;

/** Signs a ledger base with the ledger key (the key that signs checkpoints), as a compact JWS over its canonical JSON. */
export function signLedgerBase(base: LedgerBase, key: LedgerSigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(base)))
    .setProtectedHeader({ alg: ALG, kid: key.kid, typ: LEDGER_BASE_JWS_TYPE })
    .sign(key.privateKey);
}

/** Verifies a signed ledger base against the ledger's public keys; undefined when it is not one they signed. */
export async function verifyLedgerBase(jws: string, keys: readonly JWK[]): Promise<LedgerBase | undefined> {
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(jws);
  } catch {
    return undefined;
  }
  if (header.alg !== ALG || header.typ !== LEDGER_BASE_JWS_TYPE) return undefined;
  for (const jwk of keys.filter((candidate) => candidate.kid === undefined || candidate.kid === header.kid)) {
    try {
      const key = await importJWK(publicJwkMembers(jwk), ALG);
      const { payload } = await compactVerify(jws, key, { algorithms: [ALG] });
      const parsed = ledgerBaseSchema.safeParse(JSON.parse(new TextDecoder().decode(payload)));
      return parsed.success ? parsed.data : undefined;
    } catch {
      // try the next key
    }
  }
  return undefined;
}
