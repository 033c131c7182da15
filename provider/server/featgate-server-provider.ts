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
} from '@openfeature/server-sdk';
import { dispatchBucket } from '../../src/featbit/evaluator/dispatch.js';
import { RequestedType } from '../../src/manifest/featbit-value.js';
import { GateCore, type GateStats } from '../shared/gate-core.js';
import type { GateOptions } from '../shared/gate-options.js';

const FORWARDED_EVENTS = [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged];

/**
 * An OpenFeature server provider that wraps any other provider and never serves a value the approval manifest
 * does not allow for the context (DESIGN "Gate decision"). Approved results pass through untouched; others are
 * replaced by the value the approved configuration gives the context, as a normal resolution with reason
 * `UNAPPROVED`, the served variation as `variant` and `flagMetadata` saying why. Inner errors pass through
 * unchanged. Lifecycle, events, hooks, tracking and domain scoping are forwarded to the inner provider.
 *
 * Fail closed: a refused (badly signed, foreign, older) manifest is ignored; an expired one still gates, serving
 * only baselines; with no verified manifest at all, `initialize` fails and evaluations return the caller's default
 * with `PROVIDER_NOT_READY` until one verifies (then the provider emits Ready).
 */
export class FeatgateServerProvider implements Provider {
  readonly runsOn = 'server';
  readonly metadata: ProviderMetadata;
  /** Own emitter: re-emits every inner event unchanged, plus ConfigurationChanged when the manifest changes. */
  readonly events = new OpenFeatureEventEmitter();
  private readonly core: GateCore;
  private initFailedForManifest = false;
  private closing: Promise<void> | undefined;
  private readonly logger: Logger | undefined;

  constructor(
    private readonly inner: Provider,
    options: GateOptions,
  ) {
    this.metadata = { name: 'featgate-gate', inner: inner.metadata.name };
    this.logger = options.logger;
    this.core = new GateCore(options, dispatchBucket, (flagsChanged, first) => this.manifestChanged(flagsChanged, first));
    for (const event of FORWARDED_EVENTS) inner.events?.addHandler(event, (details) => this.events.emit(event, details));
  }

  /** The inner provider's hooks, so they keep running (around the gated result). */
  get hooks(): Hook[] {
    return this.inner.hooks ?? [];
  }

  /** Mirrors the inner provider, so the SDK binds the pair as it would bind the inner one. */
  get domainScoped(): boolean | undefined {
    return this.inner.domainScoped;
  }

  /** Counters of gated evaluations and manifests. */
  stats(): GateStats {
    return this.core.stats();
  }

  /**
   * Loads the first verified manifest and initializes the inner provider (concurrently). An inner failure is
   * rethrown unchanged (keeping PROVIDER_FATAL); a missing manifest fails with GeneralError.
   */
  async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    const [manifest, inner] = await Promise.allSettled([this.core.start(), this.inner.initialize?.(context, domain)]);
    if (inner.status === 'rejected') throw inner.reason;
    if (manifest.status === 'rejected') {
      this.initFailedForManifest = true;
      throw new GeneralError(`featgate: ${(manifest.reason as Error).message}`, { cause: manifest.reason });
    }
  }

  /** Stops following manifests and closes the inner provider, once. */
  onClose(): Promise<void> {
    this.closing ??= (async () => {
      this.core.stop();
      await this.inner.onClose?.();
    })();
    return this.closing;
  }

  /** Forwards tracking to the inner provider; a failure is logged, never thrown into the application. */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    try {
      this.inner.track?.(trackingEventName, context, trackingEventDetails);
    } catch (error) {
      this.logger?.warn(`featgate: inner provider track failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<boolean>> {
    const inner = await this.inner.resolveBooleanEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Boolean, context, inner);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<string>> {
    const inner = await this.inner.resolveStringEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.String, context, inner);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<number>> {
    const inner = await this.inner.resolveNumberEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Number, context, inner);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext, logger: Logger): Promise<ResolutionDetails<T>> {
    const inner = await this.inner.resolveObjectEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Object, context, inner);
  }

  private manifestChanged(flagsChanged: string[], first: boolean): void {
    if (first) {
      // The first manifest normally arrives inside initialize, whose success the SDK reports itself.
      if (!this.initFailedForManifest) return;
      this.initFailedForManifest = false;
      this.events.emit(ProviderEvents.Ready, { message: 'featgate: approval manifest verified' });
    }
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged, message: 'featgate: approval manifest changed' });
  }
}
