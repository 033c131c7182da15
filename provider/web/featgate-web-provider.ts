import {
  GeneralError,
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Logger,
  type Provider,
  type ProviderMetadata,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/web-sdk';
import { RequestedType } from '../../src/manifest/featbit-value.js';
import { portableBucket } from '../shared/featbit-bucket.js';
import { GateCore, type GateStats } from '../shared/gate-core.js';
import type { GateOptions } from '../shared/gate-options.js';

const FORWARDED_EVENTS = [
  ProviderEvents.Ready,
  ProviderEvents.Error,
  ProviderEvents.Stale,
  ProviderEvents.ConfigurationChanged,
  ProviderEvents.Reconciling,
] as const;

/**
 * The web (`@openfeature/web-sdk`) twin of the server gate: the same decisions, made synchronously from the
 * manifest held in memory, which `initialize` loads and the source keeps fresh. Browser-safe (no Node built-ins
 * in its module graph; bucketing uses a portable MD5). `onContextChange` is forwarded with its sync/async shape.
 */
export class FeatgateWebProvider implements Provider {
  readonly runsOn = 'client';
  readonly metadata: ProviderMetadata;
  /** Own emitter: re-emits inner events unchanged, plus ConfigurationChanged when the manifest changes. */
  readonly events = new OpenFeatureEventEmitter();
  private readonly core: GateCore;
  private readonly logger: Logger | undefined;
  private initFailedForManifest = false;
  private closing: Promise<void> | undefined;

  constructor(
    private readonly inner: Provider,
    options: GateOptions,
  ) {
    this.metadata = { name: 'featgate-web-gate', inner: inner.metadata.name };
    this.logger = options.logger;
    this.core = new GateCore(options, portableBucket, (flagsChanged, first) => this.manifestChanged(flagsChanged, first));
    for (const event of FORWARDED_EVENTS) inner.events?.addHandler(event, (details) => this.events.emit(event, details));
  }

  /** The inner provider's hooks. */
  get hooks(): Hook[] {
    return this.inner.hooks ?? [];
  }

  /** Mirrors the inner provider. */
  get domainScoped(): boolean | undefined {
    return this.inner.domainScoped;
  }

  /** Counters of gated evaluations and manifests. */
  stats(): GateStats {
    return this.core.stats();
  }

  /** Loads the first verified manifest and initializes the inner provider; inner errors are rethrown unchanged. */
  async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    const [manifest, inner] = await Promise.allSettled([this.core.start(), this.inner.initialize?.(context, domain)]);
    if (inner.status === 'rejected') throw inner.reason;
    if (manifest.status === 'rejected') {
      this.initFailedForManifest = true;
      throw new GeneralError(`featgate: ${(manifest.reason as Error).message}`, { cause: manifest.reason });
    }
  }

  /** Forwards a context change, returning exactly what the inner provider returns (sync stays sync). */
  onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void> | void {
    return this.inner.onContextChange?.(oldContext, newContext);
  }

  /** Stops following manifests and closes the inner provider, once. */
  onClose(): Promise<void> {
    this.closing ??= (async () => {
      this.core.stop();
      await this.inner.onClose?.();
    })();
    return this.closing;
  }

  /** Forwards tracking; a failure is logged, never thrown into the application. */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    try {
      this.inner.track?.(trackingEventName, context, trackingEventDetails);
    } catch (error) {
      this.logger?.warn(`featgate: inner provider track failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): ResolutionDetails<boolean> {
    const inner = this.inner.resolveBooleanEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Boolean, context, inner);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): ResolutionDetails<string> {
    const inner = this.inner.resolveStringEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.String, context, inner);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): ResolutionDetails<number> {
    const inner = this.inner.resolveNumberEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Number, context, inner);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): ResolutionDetails<T> {
    const inner = this.inner.resolveObjectEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Object, context, inner);
  }

  private manifestChanged(flagsChanged: string[], first: boolean): void {
    if (first) {
      if (!this.initFailedForManifest) return;
      this.initFailedForManifest = false;
      this.events.emit(ProviderEvents.Ready, { message: 'featgate: approval manifest verified' });
    }
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged, message: 'featgate: approval manifest changed' });
  }
}
