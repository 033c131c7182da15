import { CompactSign } from 'jose';
import { canonicalJson } from '../canonical/canonical-json.js';
import { MANIFEST_JWS_TYPE, MANIFEST_SIGNING_ALG, type ApprovalManifest } from '@featgate/openfeature/manifest';
import type { ManifestSigningKey } from './signing-key.js';

/** Signs a manifest as a compact JWS (EdDSA, `kid` and `typ` in the protected header) over its canonical JSON. */
export async function signManifest(manifest: ApprovalManifest, key: ManifestSigningKey): Promise<string> {
  return new CompactSign(new TextEncoder().encode(canonicalJson(manifest)))
    .setProtectedHeader({ alg: MANIFEST_SIGNING_ALG, kid: key.kid, typ: MANIFEST_JWS_TYPE })
    .sign(key.privateKey);
}
