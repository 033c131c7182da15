import { verifyManifest, type VerifyManifestOptions } from '../../src/manifest/verify-manifest.js';
import type { ApprovalManifest } from '../../src/manifest/manifest-schema.js';

const MAX_ENTRIES = 16;
const results = new Map<string, Promise<ApprovalManifest>>();

/**
 * `verifyManifest`, memoised per process for the last few (JWS, keys, environment) triples: verification is a pure
 * function of them, so several gates in one process (one per OpenFeature domain) verify each new manifest once.
 */
export function verifyManifestOnce(jws: string, options: VerifyManifestOptions): Promise<ApprovalManifest> {
  const cacheKey = `${options.envId ?? ''}\u0000${options.keys.map((key) => `${key.kid ?? ''}:${key.x ?? ''}`).join(',')}\u0000${jws}`;
  let result = results.get(cacheKey);
  if (!result) {
    result = verifyManifest(jws, options);
    results.set(cacheKey, result);
    if (results.size > MAX_ENTRIES) results.delete(results.keys().next().value!);
  }
  return result;
}
