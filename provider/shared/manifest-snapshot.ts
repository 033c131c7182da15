import type { ApprovalManifest } from '../../src/manifest/manifest-schema.js';
import { ApprovedFlag } from './approved-flag.js';

/** A verified manifest compiled for gating. Immutable, so every gate of a process can share one. */
export class ManifestSnapshot {
  readonly flags: ReadonlyMap<string, ApprovedFlag>;
  readonly expiresAtMs: number;
  readonly issuedAtMs: number;

  constructor(
    readonly manifest: ApprovalManifest,
    readonly jws: string,
  ) {
    this.flags = new Map(Object.entries(manifest.flags).map(([key, entry]) => [key, new ApprovedFlag(key, entry)]));
    this.expiresAtMs = Date.parse(manifest.expiresAt);
    this.issuedAtMs = Date.parse(manifest.issuedAt);
  }

  /** Whether the manifest may no longer be trusted beyond its baselines. */
  isExpired(now: number): boolean {
    return this.expiresAtMs <= now;
  }

  /** The flags whose approval differs between `previous` and this manifest (added, removed or changed). */
  flagsChangedSince(previous: ManifestSnapshot): string[] {
    const changed: string[] = [];
    for (const [key, flag] of this.flags) {
      const before = previous.flags.get(key);
      if (!before || !flag.sameApprovalAs(before)) changed.push(key);
    }
    for (const key of previous.flags.keys()) if (!this.flags.has(key)) changed.push(key);
    return changed;
  }
}
