import { manifestEntryHash, manifestFlagsRoot } from '../manifest/flags-root.js';
import type { ManifestDelta } from '../manifest/manifest-delta-schema.js';
import { ManifestIntegrityError } from '../manifest/manifest-integrity-error.js';
import type { ApprovalManifest, ManifestFlag } from '../manifest/manifest-schema.js';
import { ApprovedFlag } from './approved-flag.js';
import { governedMatcher } from './governed-matcher.js';

let serials = 0;

/** A verified manifest compiled for gating. Immutable, so every gate of a process can share one. */
export class ManifestSnapshot {
  readonly flags: ReadonlyMap<string, ApprovedFlag>;
  readonly expiresAtMs: number;
  readonly issuedAtMs: number;
  /** Unique per process: what a delta's memo names its base by (never a reference, so snapshots do not chain). */
  readonly serial = ++serials;
  private readonly denied: ReadonlySet<string>;
  private readonly isGoverned: (flagKey: string) => boolean;
  /** Entry hashes by flag key, computed on the first delta (a gate that never gets one never pays for them). */
  private entryHashes: Promise<ReadonlyMap<string, string>> | undefined;
  private root: Promise<string> | undefined;

  constructor(
    readonly manifest: ApprovalManifest,
    readonly jws: string,
    reuse?: {
      readonly flags: ReadonlyMap<string, ApprovedFlag>;
      readonly entryHashes: ReadonlyMap<string, string>;
      readonly root: string;
    },
  ) {
    if (reuse) {
      this.flags = reuse.flags;
      this.entryHashes = Promise.resolve(reuse.entryHashes);
      this.root = Promise.resolve(reuse.root);
    } else {
      this.flags = new Map(Object.entries(manifest.flags).map(([key, entry]) => [key, new ApprovedFlag(key, entry)]));
    }
    this.expiresAtMs = Date.parse(manifest.expiresAt);
    this.issuedAtMs = Date.parse(manifest.issuedAt);
    this.denied = new Set(manifest.denied);
    this.isGoverned = governedMatcher(manifest.governed);
  }

  /** The flags root of this manifest (see `manifestFlagsRoot`): what a delta applying to it names as its base. */
  flagsRoot(): Promise<string> {
    this.root ??= this.hashes().then(manifestFlagsRoot);
    return this.root;
  }

  /**
   * The manifest a verified delta produces from this one, compiled for gating: only the changed entries are hashed
   * and compiled, the others are shared. Throws ManifestIntegrityError, changing nothing, when the delta names
   * another base (version, issue time or flags root) or the result's flags root is not the one the delta signed.
   */
  async applyDelta(delta: ManifestDelta, jws: string): Promise<ManifestSnapshot> {
    const { manifest } = this;
    if (delta.envId !== manifest.envId)
      throw new ManifestIntegrityError(`manifest delta is for environment ${delta.envId}, not ${manifest.envId}`);
    if (delta.base.version !== manifest.version || Date.parse(delta.base.issuedAt) !== this.issuedAtMs) {
      throw new ManifestIntegrityError(
        `manifest delta applies to version ${delta.base.version} of ${delta.base.issuedAt}, not the manifest held (version ${manifest.version} of ${manifest.issuedAt})`,
      );
    }
    if (delta.base.flagsRoot !== (await this.flagsRoot()))
      throw new ManifestIntegrityError('manifest delta applies to other flags than the manifest held');
    const hashes = new Map(await this.hashes());
    const flags = new Map(this.flags);
    const entries: Record<string, ManifestFlag> = { ...manifest.flags };
    for (const key of delta.removed) {
      hashes.delete(key);
      flags.delete(key);
      delete entries[key];
    }
    const changed = Object.entries(delta.flags);
    const changedHashes = await Promise.all(changed.map(([, entry]) => manifestEntryHash(entry)));
    changed.forEach(([key, entry], index) => {
      hashes.set(key, changedHashes[index]!);
      entries[key] = entry;
    });
    const root = await manifestFlagsRoot(hashes);
    if (root !== delta.flagsRoot)
      throw new ManifestIntegrityError('manifest delta does not produce the flags it signed (flags root differs)');
    for (const [key, entry] of changed) flags.set(key, new ApprovedFlag(key, entry));
    const next: ApprovalManifest = {
      format: manifest.format,
      envId: delta.envId,
      version: delta.version,
      issuedAt: delta.issuedAt,
      expiresAt: delta.expiresAt,
      ledgerHead: delta.ledgerHead,
      governed: delta.governed,
      denied: delta.denied,
      flags: entries,
    };
    return new ManifestSnapshot(next, jws, { flags, entryHashes: hashes, root });
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
      if (!before || (before !== flag && !flag.sameApprovalAs(before))) changed.push(key);
    }
    for (const key of previous.flags.keys()) if (!this.flags.has(key)) changed.push(key);
    return changed;
  }

  private hashes(): Promise<ReadonlyMap<string, string>> {
    this.entryHashes ??= (async () => {
      const entries = Object.entries(this.manifest.flags);
      const hashes = await Promise.all(entries.map(([, entry]) => manifestEntryHash(entry)));
      return new Map(entries.map(([key], index) => [key, hashes[index]!]));
    })();
    return this.entryHashes;
  }
}
