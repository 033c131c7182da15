import type { ApprovalManifest } from '../../src/manifest/manifest-schema.js';
import { ApprovedFlag } from './approved-flag.js';
import type { BucketFunction } from './featbit-bucket.js';

/** A verified manifest compiled for gating. */
export class ManifestSnapshot {
  readonly flags: ReadonlyMap<string, ApprovedFlag>;
  readonly expiresAtMs: number;
  readonly issuedAtMs: number;

  constructor(
    readonly manifest: ApprovalManifest,
    readonly jws: string,
    bucket: BucketFunction,
  ) {
    this.flags = new Map(Object.entries(manifest.flags).map(([key, entry]) => [key, new ApprovedFlag(key, entry, bucket)]));
    this.expiresAtMs = Date.parse(manifest.expiresAt);
    this.issuedAtMs = Date.parse(manifest.issuedAt);
  }

  /** Whether the manifest may no longer be trusted beyond its baselines. */
  isExpired(now: number): boolean {
    return this.expiresAtMs <= now;
  }
}
