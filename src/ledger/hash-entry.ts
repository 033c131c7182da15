import { canonicalJson, sha256Hex } from '../canonical/index.js';

/**
 * SHA-256 of the RFC 8785 canonical JSON of an entry without its `hash` field. Accepts any parsed object, so
 * verification hashes exactly what was stored, unknown fields included.
 */
export function hashEntry(entry: object): string {
  const { hash: _hash, ...withoutHash } = entry as Record<string, unknown>;
  return sha256Hex(canonicalJson(withoutHash));
}
