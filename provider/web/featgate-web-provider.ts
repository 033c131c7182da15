import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/web-sdk';
import { RequestedType } from '../manifest/featbit-value.js';
import { GateProviderBase } from '../core/gate-provider-base.js';
import type { GateOptions } from '../core/gate-options.js';

const EVENT_NAMES = {
  ready: ProviderEvents.Ready,
  configurationChanged: ProviderEvents.ConfigurationChanged,
  forwarded: [
    ProviderEvents.Ready,
    ProviderEvents.Error,
    ProviderEvents.Stale,
    ProviderEvents.ConfigurationChanged,
    ProviderEvents.Reconciling,
  ],
};

/**
 * The web (`@openfeature/web-sdk`) twin of the server gate: the same decisions, made synchronously from the
 * manifest held in memory, which `initialize` loads and the source keeps fresh. Browser-safe (no Node built-ins
 * in its module graph; bucketing uses the evaluator's portable MD5). `onContextChange` is forwarded with its
 * sync/async shape.
 */
export class FeatgateWebProvider extends GateProviderBase<ProviderEvents, Hook> implements Provider {
  readonly runsOn = 'client';
  declare readonly events: OpenFeatureEventEmitter;
  declare protected readonly inner: Provider;

  private readonly source: GateOptions['source'];

  constructor(inner: Provider, options: GateOptions) {
    super(inner, options, new OpenFeatureEventEmitter(), EVENT_NAMES, 'featgate-web-gate');
    this.source = options.source;
  }

  /** Tells a per-context source the starting context, then starts as every gate does. */
  override async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    await this.source.useContext?.(context ?? {});
    return super.initialize(context, domain);
  }

  /**
   * Forwards a context change, returning exactly what the inner provider returns (sync stays sync); with a
   * per-context source, also fetches the manifest for the new context and waits for both.
   */
  onContextChange(oldContext: EvaluationContext, newContext: EvaluationContext): Promise<void> | void {
    const inner = this.inner.onContextChange?.(oldContext, newContext);
    if (!this.source.useContext) return inner;
    return Promise.all([inner, this.source.useContext(newContext)]).then(() => undefined);
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
    logger: Logger,
  ): ResolutionDetails<boolean> {
    const inner = this.inner.resolveBooleanEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Boolean, context, inner);
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
    logger: Logger,
  ): ResolutionDetails<string> {
    const inner = this.inner.resolveStringEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.String, context, inner);
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
    logger: Logger,
  ): ResolutionDetails<number> {
    const inner = this.inner.resolveNumberEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Number, context, inner);
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    logger: Logger,
  ): ResolutionDetails<T> {
    const inner = this.inner.resolveObjectEvaluation(flagKey, defaultValue, context, logger);
    return this.core.gate(flagKey, defaultValue, RequestedType.Object, context, inner);
  }
}
