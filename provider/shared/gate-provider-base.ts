import {
  GeneralError,
  type AnyProviderEvent,
  type ClientProviderStatus,
  type CommonProvider,
  type EvaluationContext,
  type GenericEventEmitter,
  type Logger,
  type ProviderMetadata,
  type ServerProviderStatus,
  type TrackingEventDetails,
} from '@openfeature/core';
import { GateCore, type GateStats } from './gate-core.js';
import type { GateOptions } from './gate-options.js';

/** The provider a gate wraps: a server or web OpenFeature provider, with hooks of type `H`. */
export type GatedProvider<H> = CommonProvider<ServerProviderStatus | ClientProviderStatus> & { readonly hooks?: H[] };

/** The SDK's own event names the gate uses; the server and web SDKs each have their own enum of them. */
export interface GateEventNames<E extends AnyProviderEvent> {
  readonly ready: E;
  readonly configurationChanged: E;
  /** Inner events re-emitted unchanged. */
  readonly forwarded: readonly E[];
}

/**
 * Everything the server and web gates do alike, apart from resolving: the forwarding checklist (metadata, hooks,
 * domain scoping, initialize with inner errors rethrown unchanged, idempotent close, guarded track, inner events
 * re-emitted unchanged) and the manifest lifecycle (first verified manifest in `initialize`, ConfigurationChanged
 * with `flagsChanged` when it changes, Ready once a manifest verifies after a failed `initialize`).
 */
export abstract class GateProviderBase<E extends AnyProviderEvent, H> {
  readonly metadata: ProviderMetadata;
  protected readonly core: GateCore;
  private readonly logger: Logger | undefined;
  private initFailedForManifest = false;
  private closing: Promise<void> | undefined;

  protected constructor(
    protected readonly inner: GatedProvider<H>,
    options: GateOptions,
    /** Own emitter: re-emits inner events unchanged, plus ConfigurationChanged when the manifest changes. */
    readonly events: GenericEventEmitter<E>,
    private readonly eventNames: GateEventNames<E>,
    name: string,
  ) {
    this.metadata = { name, inner: inner.metadata.name };
    this.logger = options.logger;
    this.core = new GateCore(options, (flagsChanged, first) => this.manifestChanged(flagsChanged, first));
    for (const event of eventNames.forwarded) inner.events?.addHandler(event, (details) => this.events.emit(event, details));
  }

  /** The inner provider's hooks, so they keep running (around the gated result). */
  get hooks(): H[] {
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

  private manifestChanged(flagsChanged: string[], first: boolean): void {
    if (first) {
      // The first manifest normally arrives inside initialize, whose success the SDK reports itself.
      if (!this.initFailedForManifest) return;
      this.initFailedForManifest = false;
      this.events.emit(this.eventNames.ready, { message: 'featgate: approval manifest verified' });
    }
    this.events.emit(this.eventNames.configurationChanged, { flagsChanged, message: 'featgate: approval manifest changed' });
  }
}
