import { performance } from 'node:perf_hooks';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { compileManifestKeepingLastGood, type CompiledFlagCache, type FlagCompileFailure } from './compile-manifest.js';
import {
  MANIFEST_DELTA_JWS_TYPE,
  MANIFEST_JWS_TYPE,
  type ApprovalManifest,
  type ManifestGoverned,
  type ManifestLedgerHead,
} from '@featgate/openfeature/manifest';
import { canonicalJson } from '../canonical/canonical-json.js';
import { flagsRootOf, manifestDelta, type EntryHashCache } from './manifest-delta.js';
import { signCompactJws } from './sign-compact-jws.js';
import {
  manifestEtag,
  type SignedManifest,
  type SignedManifestDelta,
  type SignedManifestSource,
} from './signed-manifest.js';
import type { ManifestSigningKey } from './signing-key.js';

/** How long manifests live and when they are re-signed. */
export interface ManifestPublisherOptions {
  readonly key: ManifestSigningKey;
  /** Manifest lifetime; providers fail closed to the baseline when it passes without a renewal. Default 1 h. */
  readonly ttlMs?: number;
  /** Clock, replaceable in tests. */
  readonly now?: () => Date;
  /** The audit ledger's current head, carried in every manifest signed (so gates and auditors witness it). */
  readonly ledgerHead?: () => Promise<ManifestLedgerHead | null> | ManifestLedgerHead | null;
  /**
   * Called for every flag that failed to compile in a signing (its last good entry kept, or denied). The service
   * wires it to a metric, a readiness warning and a notification; it must not throw (errors are ignored).
   */
  readonly onFlagCompileFailure?: (envId: string, failure: FlagCompileFailure) => void;
}

/** What the policy says about an environment's flags beyond the approved states. */
export interface EnvironmentGovernance {
  /** Governed keys and key patterns: gates deny matching flags the manifest has no entry for. */
  readonly governed?: ManifestGoverned;
  /** Governed flags without approval (governed by tag, not yet adopted): gates deny them. */
  readonly denied?: readonly string[];
}

type Listener = (manifest: SignedManifest) => void;

interface EnvEntry {
  states: readonly ApprovedFlagState[];
  governance: EnvironmentGovernance;
  signed?: LazySignedManifest;
  /** The content of the last signed manifest: the last good entry of a flag that fails to compile. */
  lastManifest?: ApprovalManifest;
  /** The flags root of `lastManifest`: the base the next delta names. */
  lastFlagsRoot?: string;
  failures: readonly FlagCompileFailure[];
  queue: Promise<unknown>;
  listeners: Set<Listener>;
}

/** The longest a signing waits after the previous one during a burst of publishes. */
const MAX_SIGNING_PAUSE_MS = 500;

/** Default manifest lifetime. */
export const DEFAULT_MANIFEST_TTL_MS = 60 * 60 * 1000;

/**
 * Keeps the signed manifest of every environment: compiles and signs it when the approved states change, re-signs
 * it before it expires, and tells subscribers (the SSE stream) about every new one. Signing is serialised per
 * environment so subscribers always see manifests in publishing order.
 */
export class ManifestPublisher implements SignedManifestSource {
  private readonly envs = new Map<string, EnvEntry>();
  private readonly ttlMs: number;
  private readonly now: () => Date;
  private renewalTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: ManifestPublisherOptions) {
    this.ttlMs = options.ttlMs ?? DEFAULT_MANIFEST_TTL_MS;
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Compiles, signs and announces the manifest of `envId` from its complete set of approved states. Compiles flag by
   * flag: one that cannot compile keeps its last good entry (or is denied) and is reported, never failing the rest.
   */
  publish(
    envId: string,
    states: readonly ApprovedFlagState[],
    governance?: EnvironmentGovernance,
  ): Promise<SignedManifest> {
    const entry = this.entry(envId);
    entry.states = states;
    if (governance) entry.governance = governance;
    return this.enqueue(envId, entry);
  }

  /** The content of the newest signed manifest of an environment (what per-context web manifests are cut from). */
  currentManifest(envId: string): ApprovalManifest | undefined {
    return this.envs.get(envId)?.lastManifest;
  }

  /** The flags of an environment that failed to compile in its latest manifest (for readiness warnings). */
  failures(envId: string): readonly FlagCompileFailure[] {
    return this.envs.get(envId)?.failures ?? [];
  }

  /** The newest signed manifest of an environment. */
  current(envId: string): SignedManifest | undefined {
    return this.envs.get(envId)?.signed;
  }

  /** Subscribes to new manifests of an environment. */
  subscribe(envId: string, listener: Listener): () => void {
    const entry = this.entry(envId);
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** Re-signs every manifest that has used up half its lifetime, so providers never see one expire. */
  async renewDue(): Promise<void> {
    const now = this.now().getTime();
    const due = [...this.envs].filter(([, entry]) => {
      if (!entry.signed) return false;
      const issued = Date.parse(entry.signed.issuedAt);
      return now - issued >= (Date.parse(entry.signed.expiresAt) - issued) / 2;
    });
    await Promise.all(due.map(([envId, entry]) => this.enqueue(envId, entry)));
  }

  /** Starts re-signing due manifests in the background. */
  startRenewal(intervalMs = Math.min(60_000, Math.max(1_000, this.ttlMs / 10))): void {
    this.renewalTimer ??= setInterval(() => void this.renewDue().catch(() => undefined), intervalMs);
    this.renewalTimer.unref();
  }

  /** Stops background renewal and forgets subscribers. */
  close(): void {
    if (this.renewalTimer) clearInterval(this.renewalTimer);
    this.renewalTimer = undefined;
    for (const entry of this.envs.values()) entry.listeners.clear();
  }

  private entry(envId: string): EnvEntry {
    let entry = this.envs.get(envId);
    if (!entry) {
      entry = { states: [], governance: {}, failures: [], queue: Promise.resolve(), listeners: new Set() };
      this.envs.set(envId, entry);
    }
    return entry;
  }

  /** Each flag's compiled entry (value hashes included) by the approved state it came from: a signing compiles only changed flags. */
  private readonly compiled: CompiledFlagCache = new WeakMap();
  /** Each compiled entry's hash: a signing hashes only changed entries for the flags root. */
  private readonly entryHashes: EntryHashCache = new WeakMap();

  /** Per environment, the signing queued but not started yet: later publishes join it (it reads the newest states). */
  private readonly pendingSigns = new Map<string, Promise<SignedManifest>>();
  /** Per environment, when the last signing ended and how long it took (paces signings during bursts). */
  private readonly lastSigning = new Map<string, { endedAt: number; tookMs: number }>();

  /**
   * Queues a signing, coalesced: while one is queued and not started, every further publish shares it, since it
   * compiles the states current when it starts. So a burst of N publishes (a first start adopting N flags) costs a
   * few signings, not N. A signing that follows another within its duration waits that long first, so signing takes
   * at most about half the event loop during a burst; an isolated publish (one approval) signs at once.
   */
  private enqueue(envId: string, entry: EnvEntry): Promise<SignedManifest> {
    const pending = this.pendingSigns.get(envId);
    if (pending) return pending;
    const run = entry.queue.then(async () => {
      await this.paceSigning(envId);
      this.pendingSigns.delete(envId);
      const started = performance.now();
      try {
        return await this.sign(envId, entry);
      } finally {
        this.lastSigning.set(envId, { endedAt: performance.now(), tookMs: performance.now() - started });
      }
    });
    this.pendingSigns.set(envId, run);
    entry.queue = run.catch(() => undefined);
    return run;
  }

  /** Waits until as long as the last signing took has passed since it ended (at most MAX_SIGNING_PAUSE_MS). */
  private async paceSigning(envId: string): Promise<void> {
    const last = this.lastSigning.get(envId);
    if (!last) return;
    const waitMs = Math.min(MAX_SIGNING_PAUSE_MS, last.tookMs) - (performance.now() - last.endedAt);
    if (waitMs > 1) await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  private async sign(envId: string, entry: EnvEntry): Promise<SignedManifest> {
    const ledgerHead = (await this.options.ledgerHead?.()) ?? null;
    const { manifest, failures } = compileManifestKeepingLastGood(
      envId,
      entry.states,
      {
        issuedAt: this.now(),
        ttlMs: this.ttlMs,
        ledgerHead,
        ...entry.governance,
      },
      entry.lastManifest,
      this.compiled,
    );
    const flagsRoot = flagsRootOf(manifest, this.entryHashes);
    const previous = entry.signed;
    let delta: SignedManifestDelta | undefined;
    if (previous && entry.lastManifest && entry.lastFlagsRoot !== undefined) {
      const body = manifestDelta(
        { manifest: entry.lastManifest, flagsRoot: entry.lastFlagsRoot },
        { manifest, flagsRoot },
      );
      const jws = signCompactJws(canonicalJson(body), this.options.key, MANIFEST_DELTA_JWS_TYPE);
      delta = { jws, etag: manifestEtag(jws), baseSeq: previous.seq };
    }
    entry.lastManifest = manifest;
    entry.lastFlagsRoot = flagsRoot;
    entry.failures = failures;
    for (const failure of failures) {
      try {
        this.options.onFlagCompileFailure?.(envId, failure);
      } catch {
        // reporting must never stop signing
      }
    }
    const signed = new LazySignedManifest(manifest, this.options.key, (previous?.seq ?? 0) + 1, delta);
    entry.signed = signed;
    for (const listener of [...entry.listeners]) {
      try {
        listener(signed);
      } catch {
        // one failing subscriber must not stop the others
      }
    }
    return signed;
  }
}

/**
 * A signed manifest whose whole JWS is signed on first read: an approval signs only its delta (O(changed flags)),
 * and the whole manifest (O(flags)) is canonicalised and signed once, when a GET, a new stream or a subscriber of
 * whole manifests first asks for it.
 */
class LazySignedManifest implements SignedManifest {
  readonly envId: string;
  readonly version: number;
  readonly issuedAt: string;
  readonly expiresAt: string;
  private signedJws: string | undefined;
  private signedEtag: string | undefined;
  private content: ApprovalManifest | undefined;
  /** The change from the previous signing; absent for an environment's first manifest. */
  readonly delta?: SignedManifestDelta;

  constructor(
    manifest: ApprovalManifest,
    private readonly key: ManifestSigningKey,
    readonly seq: number,
    delta: SignedManifestDelta | undefined,
  ) {
    this.content = manifest;
    if (delta) this.delta = delta;
    this.envId = manifest.envId;
    this.version = manifest.version;
    this.issuedAt = manifest.issuedAt;
    this.expiresAt = manifest.expiresAt;
  }

  /** The whole manifest's compact JWS, signed on first read. */
  get jws(): string {
    if (this.signedJws === undefined) {
      this.signedJws = signCompactJws(canonicalJson(this.content), this.key, MANIFEST_JWS_TYPE);
      this.content = undefined;
    }
    return this.signedJws;
  }

  /** The whole manifest's strong ETag. */
  get etag(): string {
    this.signedEtag ??= manifestEtag(this.jws);
    return this.signedEtag;
  }
}
