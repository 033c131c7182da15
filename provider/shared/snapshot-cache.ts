import { verifyManifest, type VerifyManifestOptions } from '../../src/manifest/verify-manifest.js';
import { ManifestSnapshot } from './manifest-snapshot.js';

const MAX_ENTRIES = 16;
const snapshots = new Map<string, Promise<ManifestSnapshot>>();

/**
 * Verifies a manifest JWS and compiles it for gating, memoised per process for the last few (JWS, keys,
 * environment) triples. Both steps are pure functions of them, so when one process runs several gates (one per
 * OpenFeature domain) each new manifest is verified, parsed and compiled once, and they share its caches.
 */
export function verifiedSnapshot(jws: string, options: VerifyManifestOptions): Promise<ManifestSnapshot> {
  const cacheKey = `${options.envId ?? ''}\u0000${options.keys.map((key) => `${key.kid ?? ''}:${key.x ?? ''}`).join(',')}\u0000${jws}`;
  let snapshot = snapshots.get(cacheKey);
  if (!snapshot) {
    snapshot = verifyManifest(jws, options).then((manifest) => new ManifestSnapshot(manifest, jws));
    snapshots.set(cacheKey, snapshot);
    if (snapshots.size > MAX_ENTRIES) snapshots.delete(snapshots.keys().next().value!);
  }
  return snapshot;
}
