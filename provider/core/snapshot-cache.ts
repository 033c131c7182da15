import { verifyManifest, type VerifyManifestOptions } from '../manifest/verify-manifest.js';
import { ManifestSnapshot } from './manifest-snapshot.js';

const MAX_MANIFESTS = 2;
/** By JWS, then by (environment, keys): the JWS itself is the key, so no copy of a large manifest is made. */
const snapshots = new Map<string, Map<string, Promise<ManifestSnapshot>>>();

/**
 * Verifies a manifest JWS and compiles it for gating, memoised per process for the last few manifests. Both steps
 * are pure functions of (JWS, keys, environment), so when one process runs several gates (one per OpenFeature
 * domain) each new manifest is verified, parsed and compiled once, and the gates share its caches.
 */
export function verifiedSnapshot(jws: string, options: VerifyManifestOptions): Promise<ManifestSnapshot> {
  const trust = `${options.envId ?? ''}\u0000${options.keys.map((key) => `${key.kid ?? ''}:${key.x ?? ''}`).join(',')}`;
  let byTrust = snapshots.get(jws);
  if (!byTrust) {
    byTrust = new Map();
    snapshots.set(jws, byTrust);
    if (snapshots.size > MAX_MANIFESTS) snapshots.delete(snapshots.keys().next().value!);
  }
  let snapshot = byTrust.get(trust);
  if (!snapshot) {
    snapshot = verifyManifest(jws, options).then((manifest) => new ManifestSnapshot(manifest, jws));
    byTrust.set(trust, snapshot);
  }
  return snapshot;
}
