import { KeyObject, sign } from 'node:crypto';
import { MANIFEST_SIGNING_ALG } from '@featgate/openfeature/manifest';
import type { ManifestSigningKey } from './signing-key.js';

const keyObjects = new WeakMap<ManifestSigningKey['privateKey'], KeyObject>();

/**
 * Signs `payload` as a compact JWS (EdDSA over Ed25519, `kid` and `typ` in the protected header), synchronously, so
 * a whole manifest can be signed lazily the first time someone reads it. The same JWS any JOSE library verifies.
 */
export function signCompactJws(payload: string, key: ManifestSigningKey, typ: string): string {
  let keyObject = keyObjects.get(key.privateKey);
  if (!keyObject) {
    keyObject = KeyObject.from(key.privateKey as Parameters<typeof KeyObject.from>[0]);
    keyObjects.set(key.privateKey, keyObject);
  }
  const header = Buffer.from(JSON.stringify({ alg: MANIFEST_SIGNING_ALG, kid: key.kid, typ })).toString('base64url');
  const signingInput = `${header}.${Buffer.from(payload, 'utf8').toString('base64url')}`;
  return `${signingInput}.${sign(null, Buffer.from(signingInput, 'ascii'), keyObject).toString('base64url')}`;
}
