import type { ApprovalManifest } from '../manifest/manifest-schema.js';
import { ApprovedFlag } from './approved-flag.js';
import { governedMatcher } from './governed-matcher.js';

/** A verified manifest compiled for gating. Immutable, so every gate of a process can share one. */
export class ManifestSnapshot {
  readonly flags: ReadonlyMap<string, ApprovedFlag>;
  readonly expiresAtMs: number;
  readonly issuedAtMs: number;
  private readonly denied: ReadonlySet<string>;
  private readonly isGoverned: (flagKey: string) => boolean;

  constructor(
    readonly manifest: ApprovalManifest,
    readonly jws: string,
  ) {
    this.flags = new Map(Object.entries(manifest.flags).map(([key, entry]) => [key, new ApprovedFlag(key, entry)]));
    this.expiresAtMs = Date.parse(manifest.expiresAt);
    this.issuedAtMs = Date.parse(manifest.issuedAt);
    this.denied = new Set(manifest.denied);
    this.isGoverned = governedMatcher(manifest.governed);
  }

  /**
   * Whether a flag without an entry must be refused: listed as denied (governed but not approved, or never
   * compiled) or matching the policy's governed keys and patterns. Such a flag is never passed as ungoverned.
   */
  deniesUnlisted(flagKey: string): boolean {
    return this.denied.has(flagKey) || this.isGoverned(flagKey);
  }

  /**
   * Whether the manifest grants anything to this context: always for a server manifest; for a per-context web
   * manifest only to the context it was evaluated for (others get baselines).
   */
  admits(context: { readonly targetingKey?: string }): boolean {
    const audience = this.manifest.audience;
    return audience === undefined || audience.targetingKey === (context.targetingKey ?? '');
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
