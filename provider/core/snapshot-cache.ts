import { verifyManifest, type VerifyManifestOptions } from '../manifest/verify-manifest.js';
import { loadRegexEngine } from '../evaluator/regex-engine.js';
import { ManifestSnapshot } from './manifest-snapshot.js';
import { usesRegex } from './uses-regex.js';

const MAX_MANIFESTS = 2;
/** By JWS, then by (environment, keys): the JWS itself is the key, so no copy of a large manifest is made. */
const snapshots = new Map<string, Map<string, Promise<ManifestSnapshot>>>();

/**
 * Verifies a manifest JWS and compiles it for gating, memoised per process for the last few manifests. Both steps
 * are pure functions of (JWS, keys, environment), so when one process runs several gates (one per OpenFeature
 * domain) each new manifest is verified, parsed and compiled once, and the gates share its caches. A manifest with
 * regex rules loads the RE2 engine before it is used, so no evaluation ever meets a missing engine.
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
    snapshot = verifyManifest(jws, options).then(async (manifest) => {
      if (usesRegex(manifest)) await loadRegexEngine();
      return new ManifestSnapshot(manifest, jws);
    });
    byTrust.set(trust, snapshot);
  }
  return snapshot;
}
