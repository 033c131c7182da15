import {
  OpenFeatureEventEmitter,
  ProviderEvents,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/server-sdk';
import { RequestedType } from '../manifest/featbit-value.js';
import { GateProviderBase } from '../core/gate-provider-base.js';
import type { GateOptions } from '../core/gate-options.js';
import { isRawJsonResolver, RESOLVE_RAW_JSON } from '../core/raw-json-resolver.js';

const EVENT_NAMES = {
  ready: ProviderEvents.Ready,
  configurationChanged: ProviderEvents.ConfigurationChanged,
  forwarded: [ProviderEvents.Ready, ProviderEvents.Error, ProviderEvents.Stale, ProviderEvents.ConfigurationChanged],
};

/**
 * An OpenFeature server provider that wraps any other provider and never serves a value the approval manifest
 * does not allow for the context (ARCHITECTURE.md "Gate decision"). Approved results pass through untouched; others are
 * replaced by the value the approved configuration gives the context, as a normal resolution with reason
 * `UNAPPROVED`, the served variation as `variant` and `flagMetadata` saying why. Inner errors pass through
 * unchanged. Lifecycle, events, hooks, tracking and domain scoping are forwarded to the inner provider.
 *
 * Fail closed: a refused (badly signed, foreign, older) manifest is ignored; an expired one still gates, serving
 * only baselines; with no verified manifest at all, `initialize` fails and evaluations return the caller's default
 * with `PROVIDER_NOT_READY` until one verifies (then the provider emits Ready).
 */
export class FeatgateServerProvider extends GateProviderBase<ProviderEvents, Hook> implements Provider {
  readonly runsOn = 'server';
  declare readonly events: OpenFeatureEventEmitter;
  declare protected readonly inner: Provider;

  constructor(inner: Provider, options: GateOptions) {
    super(inner, options, new OpenFeatureEventEmitter(), EVENT_NAMES, 'featgate-gate');
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<boolean>> {
    return this.inner
      .resolveBooleanEvaluation(flagKey, defaultValue, context, logger)
      .then((inner) => this.core.gate(flagKey, defaultValue, RequestedType.Boolean, context, inner));
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<string>> {
    return this.inner
      .resolveStringEvaluation(flagKey, defaultValue, context, logger)
      .then((inner) => this.core.gate(flagKey, defaultValue, RequestedType.String, context, inner));
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<number>> {
    return this.inner
      .resolveNumberEvaluation(flagKey, defaultValue, context, logger)
      .then((inner) => this.core.gate(flagKey, defaultValue, RequestedType.Number, context, inner));
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    logger: Logger,
  ): Promise<ResolutionDetails<T>> {
    const inner = this.inner;
    if (isRawJsonResolver(inner))
      return inner[RESOLVE_RAW_JSON](flagKey, defaultValue, context).then(({ details, raw }) =>
        this.core.gate(flagKey, defaultValue, RequestedType.Object, context, details, raw),
      );
    return inner
      .resolveObjectEvaluation(flagKey, defaultValue, context, logger)
      .then((details) => this.core.gate(flagKey, defaultValue, RequestedType.Object, context, details));
  }
}
