import { contentHash, sha256Hex } from '../canonical/canonical-json.js';
import {
  flagsRootText,
  MANIFEST_DELTA_FORMAT,
  type ApprovalManifest,
  type ManifestDelta,
  type ManifestFlag,
} from '@featgate/openfeature/manifest';

/**
 * Entry hashes by compiled entry. Compiled entries are reused while their approved state is the same object, so a
 * signing hashes only the entries that changed.
 */
export type EntryHashCache = WeakMap<ManifestFlag, string>;

/** The flags root of a manifest (see `manifestFlagsRoot` in the provider), hashing only entries not hashed before. */
export function flagsRootOf(manifest: ApprovalManifest, cache: EntryHashCache): string {
  const hashes = new Map<string, string>();
  for (const [key, entry] of Object.entries(manifest.flags)) {
    let hash = cache.get(entry);
    if (hash === undefined) {
      hash = contentHash(entry);
      cache.set(entry, hash);
    }
    hashes.set(key, hash);
  }
  return sha256Hex(flagsRootText(hashes));
}

/** A manifest with the flags root it was computed to have. */
export interface RootedManifest {
  readonly manifest: ApprovalManifest;
  readonly flagsRoot: string;
}

/**
 * The delta from `base` to `next`: every field but the entries whole, the entries that are not the same compiled
 * object (so unchanged flags cost a pointer comparison) and the keys removed, with both flags roots.
 */
export function manifestDelta(base: RootedManifest, next: RootedManifest): ManifestDelta {
  // Without a prototype, so a flag keyed `__proto__` or `constructor` is an entry like any other.
  const flags: Record<string, ManifestFlag> = Object.create(null);
  for (const [key, entry] of Object.entries(next.manifest.flags)) {
    if (!Object.hasOwn(base.manifest.flags, key) || base.manifest.flags[key] !== entry) flags[key] = entry;
  }
  const removed = Object.keys(base.manifest.flags).filter((key) => !Object.hasOwn(next.manifest.flags, key));
  const { manifest } = next;
  return {
    format: MANIFEST_DELTA_FORMAT,
    envId: manifest.envId,
    version: manifest.version,
    issuedAt: manifest.issuedAt,
    expiresAt: manifest.expiresAt,
    ledgerHead: manifest.ledgerHead,
    governed: manifest.governed,
    denied: manifest.denied,
    base: { version: base.manifest.version, issuedAt: base.manifest.issuedAt, flagsRoot: base.flagsRoot },
    flagsRoot: next.flagsRoot,
    flags,
    removed,
  };
}
