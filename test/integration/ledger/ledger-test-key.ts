import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { publicJwkMembers } from '@featgate/openfeature/manifest';
import { pino, type Logger } from 'pino';
import type { LedgerSigningKey } from '../../../src/ledger/index.js';

/** A fresh Ed25519 ledger signing key, as `serve` loads one. */
export async function ledgerTestKey(): Promise<LedgerSigningKey> {
  const { privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519', extractable: true });
  const publicPart = publicJwkMembers(await exportJWK(privateKey));
  const kid = await calculateJwkThumbprint(publicPart);
  return { kid, privateKey, publicJwk: { ...publicPart, kid, alg: 'EdDSA', use: 'sig' } };
}

/** A logger that keeps the messages of its warnings and errors, so a test can see what an operator is told. */
export function recordingLogger(): { readonly logger: Logger; readonly warnings: string[] } {
  const warnings: string[] = [];
  const logger = pino(
    { level: 'warn' },
    { write: (line: string) => void warnings.push(String((JSON.parse(line) as { msg?: unknown }).msg)) },
  );
  return { logger, warnings };
}
