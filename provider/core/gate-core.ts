import {
  ErrorCode,
  StandardResolutionReasons,
  type EvaluationContext,
  type Logger,
  type ResolutionDetails,
} from '@openfeature/core';
import type { RequestedType } from '../manifest/featbit-value.js';
import { isManifestExpired } from '../manifest/verify-manifest.js';
import { UngovernedFlagPolicy, type GateOptions } from './gate-options.js';
import { GateMetadataKey, GateReason, UNAPPROVED_REASON } from './gate-reason.js';
import type { ManifestMark } from './manifest-high-water-mark.js';
import type { ManifestSnapshot } from './manifest-snapshot.js';
import { jsonEqual } from './json-equal.js';
import { verifiedDeltaSnapshot, verifiedSnapshot } from './snapshot-cache.js';

/** Counts of gated evaluations by reason, plus manifest bookkeeping. */
export interface GateStats {
  readonly gated: Readonly<Record<GateReason, number>>;
  readonly manifestsAccepted: number;
  readonly manifestsRefused: number;
  readonly manifestVersion?: number;
  /** The ledger head the manifest in use witnesses (`<seq>:<hash>`), for `featgate audit verify --expect-head`. */
  readonly ledgerHead?: string;
}

const silentLogger: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/**
 * The gating logic both providers share: keeps the last verified manifest (refusing bad signatures, other
 * environments and older manifests), and decides for each inner result whether it may be served. Synchronous on
 * the evaluation path, so the web gate can use it too.
 */
export class GateCore {
  private snapshot: ManifestSnapshot | undefined;
  private readonly counts: Record<GateReason, number> = {
    [GateReason.VariationNotApproved]: 0,
    [GateReason.OutsideGrant]: 0,
    [GateReason.ManifestExpired]: 0,
  };
  private accepted = 0;
  private refused = 0;
  /** The newest manifest known from before a restart (the persisted high-water mark). */
  private floor: ManifestMark | undefined;
  private floorLoaded = false;
  private saving: Promise<void> = Promise.resolve();
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly firstManifest: { promise: Promise<void>; resolve: () => void };
  private readonly logger: Logger;
  private readonly now: () => number;

  /**
   * @param onChange called with the flags whose gating may have changed (new manifest, or the manifest expired);
   * `first` marks the first verified manifest.
   */
  constructor(
    private readonly options: GateOptions,
    private readonly onChange: (flagsChanged: string[], first: boolean) => void,
  ) {
    if (typeof options.envId !== 'string' || options.envId.length === 0) {
      throw new TypeError('featgate: envId is required (the FeatBit environment whose manifests the gate accepts)');
    }
    this.logger = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    let resolve!: () => void;
    const promise = new Promise<void>((done) => (resolve = done));
    this.firstManifest = { promise, resolve };
  }

  /** Whether a verified manifest is held. */
  get hasManifest(): boolean {
    return this.snapshot !== undefined;
  }

  /** The manifest currently gated against. */
  get manifest(): ManifestSnapshot | undefined {
    return this.snapshot;
  }

  /** Gating counters. */
  stats(): GateStats {
    return {
      gated: { ...this.counts },
      manifestsAccepted: this.accepted,
      manifestsRefused: this.refused,
      ...(this.snapshot ? { manifestVersion: this.snapshot.manifest.version } : {}),
      ...(this.snapshot?.manifest.ledgerHead
        ? { ledgerHead: `${this.snapshot.manifest.ledgerHead.seq}:${this.snapshot.manifest.ledgerHead.hash}` }
        : {}),
    };
  }

  /**
   * Starts the source and waits (up to `initTimeoutMs`) for a verified manifest. Throws when none verified in time;
   * the source keeps running, and a later manifest still arrives through `onChange`.
   */
  async start(): Promise<void> {
    await this.loadFloor();
    await this.options.source.start({
      manifest: (jws) => this.accept(jws),
      delta: (jws) => this.acceptDelta(jws),
      error: (error) => this.logger.warn(`featgate: manifest source problem: ${describe(error)}`),
    });
    if (this.snapshot) {
      // started again after a stop (re-registered): the manifest held still expires on time
      this.scheduleExpiry(this.snapshot);
      return;
    }
    const timeoutMs = this.options.initTimeoutMs ?? 5_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)));
    const arrived = await Promise.race([this.firstManifest.promise.then(() => false), timedOut]);
    clearTimeout(timer);
    if (arrived) throw new Error(`no verified approval manifest within ${timeoutMs} ms`);
  }

  /** Stops the source and timers. */
  stop(): void {
    this.options.source.stop();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = undefined;
  }

  /**
   * Verifies a manifest JWS and, if it is valid and not older than the current one, gates against it from now on.
   * A refused manifest is logged and changes nothing (fail closed: the last verified manifest stays).
   */
  async accept(jws: string): Promise<void> {
    if (this.snapshot?.jws === jws) return;
    let next: ManifestSnapshot;
    try {
      next = await verifiedSnapshot(jws, { keys: this.options.publicKeys, envId: this.options.envId });
    } catch (error) {
      this.refused += 1;
      this.logger.error(`featgate: refused approval manifest: ${describe(error)}`);
      return;
    }
    this.adopt(next);
  }

  /**
   * Verifies a manifest delta and applies it to the manifest in use; gates against the result when it verifies,
   * applies to exactly that manifest and is not older. Returns false when refused (logged, nothing changes: the
   * last verified manifest stays), so the source fetches the whole manifest.
   */
  async acceptDelta(jws: string): Promise<boolean> {
    const base = this.snapshot;
    if (base?.jws === jws) return true;
    if (!base) {
      this.refused += 1;
      this.logger.warn('featgate: refused a manifest delta: no verified manifest to apply it to');
      return false;
    }
    let next: ManifestSnapshot;
    try {
      next = await verifiedDeltaSnapshot(base, jws, { keys: this.options.publicKeys, envId: this.options.envId });
    } catch (error) {
      this.refused += 1;
      this.logger.error(`featgate: refused a manifest delta: ${describe(error)}`);
      return false;
    }
    return this.adopt(next);
  }

  /** Gates against `next` unless it is older than the manifest in use or the high-water mark; returns whether it did. */
  private adopt(next: ManifestSnapshot): boolean {
    const previous = this.snapshot;
    if (previous && (next.manifest.version < previous.manifest.version || next.issuedAtMs < previous.issuedAtMs)) {
      this.refused += 1;
      this.logger.warn('featgate: ignored an approval manifest older than the one in use');
      return false;
    }
    const floor = this.floor;
    if (
      floor &&
      floor.envId === next.manifest.envId &&
      (next.manifest.version < floor.version || next.issuedAtMs < floor.issuedAtMs)
    ) {
      this.refused += 1;
      this.logger.warn(
        'featgate: refused an approval manifest older than the newest this gate accepted before it restarted',
      );
      return false;
    }
    this.snapshot = next;
    this.saveFloor(next);
    this.accepted += 1;
    this.scheduleExpiry(next);
    this.firstManifest.resolve();
    const wasExpired = previous !== undefined && isManifestExpired(previous.manifest, this.now());
    const changed = changedFlags(previous, next, wasExpired);
    if (changed.length > 0 || !previous) this.onChange(changed, !previous);
    return true;
  }

  /**
   * Decides what to serve for an inner result: the inner result itself when it is approved for this context,
   * otherwise the value the approved configuration gives the context, as a normal resolution with reason
   * `UNAPPROVED`. Inner errors pass through unchanged, and so does a `DISABLED` result carrying the caller's own
   * default (the safe direction is always allowed); a `DISABLED` result with any other value is gated like every
   * value. Without a verified manifest nothing else is passed through. Values are compared by content; `rawJson`
   * (given only by a `RawJsonResolver`, as the string the value was freshly parsed from) stands for that content.
   */
  gate<T>(
    flagKey: string,
    defaultValue: T,
    type: RequestedType,
    context: EvaluationContext,
    inner: ResolutionDetails<T>,
    rawJson?: string,
  ): ResolutionDetails<T> {
    const decided = this.decide(flagKey, defaultValue, type, context, inner, rawJson);
    return decided === inner ? withoutGateMetadata(inner) : decided;
  }

  private decide<T>(
    flagKey: string,
    defaultValue: T,
    type: RequestedType,
    context: EvaluationContext,
    inner: ResolutionDetails<T>,
    rawJson: string | undefined,
  ): ResolutionDetails<T> {
    if (inner.errorCode !== undefined) return inner;
    if (inner.reason === StandardResolutionReasons.DISABLED && jsonEqual(inner.value, defaultValue)) return inner;
    const snapshot = this.snapshot;
    if (!snapshot) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.PROVIDER_NOT_READY,
        errorMessage: 'featgate: no verified approval manifest',
      };
    }
    const flag = snapshot.flags.get(flagKey);
    if (!flag) {
      if (snapshot.deniesUnlisted(flagKey)) {
        return {
          value: defaultValue,
          reason: StandardResolutionReasons.ERROR,
          errorCode: ErrorCode.GENERAL,
          errorMessage: `featgate: flag ${flagKey} is governed but the manifest approves no value of it`,
        };
      }
      if (this.options.ungoverned !== UngovernedFlagPolicy.Deny) return inner;
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.GENERAL,
        errorMessage: `featgate: flag ${flagKey} is not governed and ungoverned flags are denied`,
      };
    }
    const view = flag.view(type);
    const innerId =
      rawJson === undefined
        ? view.idOf(inner.value, inner.variant)
        : view.idOfRawJson(rawJson, inner.value, inner.variant);
    if (innerId !== undefined && innerId === view.baselineId) return inner;
    let servedId: string;
    let reason: GateReason;
    if (snapshot.isExpired(this.now())) {
      servedId = flag.baselineVariationId;
      reason = GateReason.ManifestExpired;
    } else {
      const approvedId = snapshot.admits(context)
        ? flag.approvedVariationForContext(context)
        : flag.baselineVariationId;
      if (innerId !== undefined && innerId === view.representative.get(approvedId ?? '')) return inner;
      servedId = approvedId ?? flag.baselineVariationId;
      reason = innerId !== undefined ? GateReason.OutsideGrant : GateReason.VariationNotApproved;
    }
    const served = view.values.get(servedId);
    if (!served?.convertible) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.TYPE_MISMATCH,
        errorMessage: `featgate: approved variation ${servedId} of ${flagKey} cannot be read as ${type}`,
      };
    }
    this.counts[reason] += 1;
    this.report(flagKey, reason, servedId, inner.variant, snapshot.manifest.version);
    const flagMetadata: Record<string, string | number | boolean> = {
      [GateMetadataKey.Gated]: true,
      [GateMetadataKey.Reason]: reason,
      [GateMetadataKey.ManifestVersion]: snapshot.manifest.version,
      [GateMetadataKey.FlagVersion]: flag.version,
    };
    if (inner.variant !== undefined) flagMetadata[GateMetadataKey.InnerVariant] = inner.variant;
    return { value: ownCopy(served.value) as T, variant: servedId, reason: UNAPPROVED_REASON, flagMetadata };
  }

  private async loadFloor(): Promise<void> {
    if (this.floorLoaded || !this.options.highWaterMark) return;
    this.floorLoaded = true;
    try {
      const mark = await this.options.highWaterMark.load();
      if (mark && mark.envId === this.options.envId && (!this.floor || mark.version >= this.floor.version))
        this.floor = mark;
    } catch (error) {
      this.logger.warn(`featgate: could not read the manifest high-water mark: ${describe(error)}`);
    }
  }

  private saveFloor(snapshot: ManifestSnapshot): void {
    const mark: ManifestMark = {
      envId: snapshot.manifest.envId,
      version: snapshot.manifest.version,
      issuedAtMs: snapshot.issuedAtMs,
    };
    this.floor = mark;
    if (!this.options.highWaterMark) return;
    // saves run one after the other, so the newest mark is the one left stored
    this.saving = this.saving
      .then(() => this.options.highWaterMark!.save(mark))
      .catch((error: unknown) =>
        this.logger.warn(`featgate: could not keep the manifest high-water mark: ${describe(error)}`),
      );
  }

  private report(
    flagKey: string,
    reason: GateReason,
    servedVariationId: string,
    innerVariant: string | undefined,
    manifestVersion: number,
  ): void {
    if (!this.options.onGated) return;
    try {
      this.options.onGated({
        flagKey,
        reason,
        servedVariationId,
        ...(innerVariant === undefined ? {} : { innerVariant }),
        manifestVersion,
      });
    } catch {
      // an observer must never break evaluation
    }
  }

  private scheduleExpiry(snapshot: ManifestSnapshot): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const delay = snapshot.expiresAtMs - this.now();
    if (delay <= 0 || delay > 2 ** 31 - 1) return;
    this.expiryTimer = setTimeout(() => {
      if (this.snapshot === snapshot) this.onChange([...snapshot.flags.keys()], false);
    }, delay);
    (this.expiryTimer as { unref?: () => void }).unref?.();
  }
}

function changedFlags(previous: ManifestSnapshot | undefined, next: ManifestSnapshot, wasExpired: boolean): string[] {
  if (!previous || wasExpired) return [...new Set([...(previous?.flags.keys() ?? []), ...next.flags.keys()])];
  return next.flagsChangedSince(previous);
}

/**
 * The approved value as the application receives it: objects are copied, since the manifest's value is shared by
 * every evaluation and gate of the process and an application that edits what it got must not change what is served.
 */
function ownCopy<V>(value: V): V {
  return typeof value === 'object' && value !== null ? structuredClone(value) : value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

const GATE_METADATA_KEYS: readonly string[] = Object.values(GateMetadataKey);

/**
 * A passed-through result never carries the gate's own metadata keys: an inner provider that set `featgateGated` or
 * a manifest version itself could otherwise speak for the gate (and, for the telemetry hook, pick the arm).
 */
function withoutGateMetadata<T>(inner: ResolutionDetails<T>): ResolutionDetails<T> {
  const metadata = inner.flagMetadata;
  if (!metadata || !GATE_METADATA_KEYS.some((key) => Object.hasOwn(metadata, key))) return inner;
  const kept = Object.fromEntries(Object.entries(metadata).filter(([key]) => !GATE_METADATA_KEYS.includes(key)));
  return { ...inner, flagMetadata: kept };
}
