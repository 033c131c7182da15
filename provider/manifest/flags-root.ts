import canonicalize from 'canonicalize';
import type { ManifestFlag } from './manifest-schema.js';
import { sha256Hex } from './sha256-hex.js';

/** The hash of one manifest entry: SHA-256 of its canonical JSON (RFC 8785), as the service computes it. */
export function manifestEntryHash(entry: ManifestFlag): Promise<string> {
  return sha256Hex(canonicalize(entry) ?? '');
}

/**
 * The flags root of a manifest: SHA-256 of the JSON array of `[flagKey, entryHash]` pairs sorted by key (UTF-16
 * order, as canonical JSON sorts). It commits to every entry of the manifest, so a delta that signs the root of the
 * manifest it produces lets a gate check the result of applying it without the service signing every entry again.
 */
export function manifestFlagsRoot(entryHashes: ReadonlyMap<string, string>): Promise<string> {
  return sha256Hex(flagsRootText(entryHashes));
}

/** The text a flags root hashes (shared with the service, which hashes it synchronously). */
export function flagsRootText(entryHashes: ReadonlyMap<string, string>): string {
  const keys = [...entryHashes.keys()].sort();
  return JSON.stringify(keys.map((key) => [key, entryHashes.get(key)!]));
}
