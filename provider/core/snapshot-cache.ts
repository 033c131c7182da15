import { verifyManifest, type VerifyManifestOptions } from '../manifest/verify-manifest.js';
import { verifyManifestDelta } from '../manifest/verify-manifest-delta.js';
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
  return memoised(jws, trustOf(options), async () => {
    const manifest = await verifyManifest(jws, options);
    if (usesRegex(manifest)) await loadRegexEngine();
    return new ManifestSnapshot(manifest, jws);
  });
}

/**
 * Verifies a manifest delta JWS and applies it to `base`, memoised like `verifiedSnapshot` (by delta, trust and the
 * base's serial), so gates of one process holding the same base verify and compile each delta once. Only the
 * changed entries are verified and compiled. Rejects with ManifestIntegrityError when the delta does not verify or
 * does not apply to `base`.
 */
export function verifiedDeltaSnapshot(
  base: ManifestSnapshot,
  jws: string,
  options: VerifyManifestOptions,
): Promise<ManifestSnapshot> {
  return memoised(jws, `${trustOf(options)}\u0000${base.serial}`, async () => {
    const delta = await verifyManifestDelta(jws, options);
    if (usesRegex(delta)) await loadRegexEngine();
    return base.applyDelta(delta, jws);
  });
}

function trustOf(options: VerifyManifestOptions): string {
  return `${options.envId ?? ''}\u0000${options.keys.map((key) => `${key.kid ?? ''}:${key.x ?? ''}`).join(',')}`;
}

function memoised(jws: string, trust: string, make: () => Promise<ManifestSnapshot>): Promise<ManifestSnapshot> {
  let byTrust = snapshots.get(jws);
  if (!byTrust) {
    byTrust = new Map();
    snapshots.set(jws, byTrust);
    if (snapshots.size > MAX_MANIFESTS) snapshots.delete(snapshots.keys().next().value!);
  }
  let snapshot = byTrust.get(trust);
  if (!snapshot) {
    snapshot = make();
    byTrust.set(trust, snapshot);
  }
  return snapshot;
}
