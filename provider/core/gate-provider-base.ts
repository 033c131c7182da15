import {
  GeneralError,
  type AnyProviderEvent,
  type ClientProviderStatus,
  type CommonProvider,
  type EvaluationContext,
  type GenericEventEmitter,
  type ProviderMetadata,
  type ServerProviderStatus,
  type TrackingEventDetails,
} from '@openfeature/core';
import { GateCore, type GateStats } from './gate-core.js';
import type { GateOptions } from './gate-options.js';
import { innerBindings } from './inner-bindings.js';

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
    this.core = new GateCore(options, (flagsChanged, first) => this.manifestChanged(flagsChanged, first));
    for (const event of eventNames.forwarded) {
      inner.events?.addHandler(event, (details) => {
        // Ready means "evaluations give gated results": never while no verified manifest is in force
        if (event === eventNames.ready && !this.core.hasManifest) return;
        this.events.emit(event, details);
      });
    }
  }

  /** The inner provider's hooks, so they keep running (around the gated result). */
  get hooks(): H[] {
    return this.inner.hooks ?? [];
  }

  /** Mirrors the inner provider (false when it says nothing), so the SDK binds the pair as it binds the inner one. */
  get domainScoped(): boolean {
    return this.inner.domainScoped === true;
  }

  /** Counters of gated evaluations and manifests. */
  stats(): GateStats {
    return this.core.stats();
  }

  /**
   * Loads the first verified manifest and initializes the inner provider (concurrently). An inner failure is
   * rethrown unchanged (keeping PROVIDER_FATAL); a missing manifest fails with GeneralError. An inner provider other
   * gates already opened is not initialized again, and a domain-scoped one is refused for a second domain, as the
   * SDK does for a bare provider. A gate closed before (re-registered) starts again and can be closed again.
   */
  async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    this.closing = undefined;
    const [manifest, inner] = await Promise.allSettled([
      this.core.start(),
      innerBindings.open(this.inner, this, context, domain),
    ]);
    if (inner.status === 'rejected') throw inner.reason;
    if (manifest.status === 'rejected') {
      this.initFailedForManifest = true;
      throw new GeneralError(`featgate: ${(manifest.reason as Error).message}`, { cause: manifest.reason });
    }
  }

  /**
   * Stops following manifests and closes the inner provider once no other gate over it is open. Idempotent until
   * the next `initialize`.
   */
  onClose(): Promise<void> {
    this.closing ??= (async () => {
      this.core.stop();
      await innerBindings.close(this.inner, this);
    })();
    return this.closing;
  }

  /**
   * Forwards tracking to the inner provider. A failure is thrown on unchanged, so the SDK records it exactly as it
   * does for the bare provider (the client catches and logs it; it never reaches the application).
   */
  track(trackingEventName: string, context: EvaluationContext, trackingEventDetails: TrackingEventDetails): void {
    this.inner.track?.(trackingEventName, context, trackingEventDetails);
  }

  private manifestChanged(flagsChanged: string[], first: boolean): void {
    if (first) {
      // The first manifest normally arrives inside initialize, whose success the SDK reports itself.
      if (!this.initFailedForManifest) return;
      this.initFailedForManifest = false;
      this.events.emit(this.eventNames.ready, { message: 'featgate: approval manifest verified' });
    }
    this.events.emit(this.eventNames.configurationChanged, {
      flagsChanged,
      message: 'featgate: approval manifest changed',
    });
  }
}
