import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  importPKCS8,
  type CryptoKey,
  type JWK,
} from 'jose';
import { ConfigError } from '../errors/index.js';
import { dataDirSecretStore, type GeneratedSecretStore } from '../generated-secret/index.js';
import { MANIFEST_SIGNING_ALG } from '@featgate/openfeature/manifest';

/** The key featgate signs manifests with; only `publicJwk` ever leaves the process. */
export interface ManifestSigningKey {
  /** RFC 7638 thumbprint of the public key, sent as the JWS `kid`. */
  readonly kid: string;
  readonly privateKey: CryptoKey;
  /** What providers verify with: `{kty: 'OKP', crv: 'Ed25519', x, kid, alg: 'EdDSA', use: 'sig'}`. */
  readonly publicJwk: JWK;
}

/** Where the signing key comes from: configured text, else a key file kept in the data folder. */
export interface SigningKeyOptions {
  /** A private Ed25519 key as JWK JSON or PKCS8 PEM (`FEATGATE_SIGNING_KEY`). */
  readonly configuredKey?: string;
  /** Folder where a generated key is kept as `signing-key.json` (mode 0600). */
  readonly dataDir: string;
  /** Where a generated key is kept instead of the data folder: Redis, so every process on it signs alike. */
  readonly store?: GeneratedSecretStore;
}

/** File name of the generated key inside the data folder. */
export const SIGNING_KEY_FILE = 'signing-key.json';

/**
 * Loads the manifest signing key: the configured one when given, else the one kept in `store` (the data folder by
 * default), generating and keeping a new one on first start. Throws ConfigError, without key material, when it is unusable.
 */
export async function loadOrCreateSigningKey(options: SigningKeyOptions): Promise<ManifestSigningKey> {
  if (options.configuredKey) return signingKeyFromText(options.configuredKey, 'FEATGATE_SIGNING_KEY');
  const store = options.store ?? dataDirSecretStore(options.dataDir);
  const text = await store.readOrCreate(SIGNING_KEY_FILE, async () => {
    const { privateKey } = await generateKeyPair(MANIFEST_SIGNING_ALG, { crv: 'Ed25519', extractable: true });
    return `${JSON.stringify(await exportJWK(privateKey))}\n`;
  });
  return signingKeyFromText(text, store.locationOf(SIGNING_KEY_FILE));
}

/** Reads a private Ed25519 key from JWK JSON or PKCS8 PEM text; `origin` names the source in errors. */
export async function signingKeyFromText(text: string, origin: string): Promise<ManifestSigningKey> {
  const trimmed = text.trim();
  let privateKey: CryptoKey;
  try {
    if (trimmed.startsWith('{')) {
      const jwk = JSON.parse(trimmed) as JWK;
      if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.d !== 'string') {
        throw new Error('expected an Ed25519 private JWK (kty OKP, crv Ed25519, with d)');
      }
      privateKey = (await importJWK(jwk, MANIFEST_SIGNING_ALG, { extractable: true })) as CryptoKey;
    } else {
      privateKey = await importPKCS8(trimmed, MANIFEST_SIGNING_ALG, { extractable: true });
    }
  } catch (error) {
    const reason =
      error instanceof SyntaxError ? 'not valid JSON' : error instanceof Error ? error.message : 'unreadable';
    throw new ConfigError(`${origin}: the manifest signing key is unusable: ${reason}`);
  }
  const { kty, crv, x } = await exportJWK(privateKey);
  if (kty !== 'OKP' || crv !== 'Ed25519' || !x)
    throw new ConfigError(`${origin}: the manifest signing key must be an Ed25519 key`);
  const kid = await calculateJwkThumbprint({ kty, crv, x });
  return { kid, privateKey, publicJwk: { kty, crv, x, kid, alg: MANIFEST_SIGNING_ALG, use: 'sig' } };
}
