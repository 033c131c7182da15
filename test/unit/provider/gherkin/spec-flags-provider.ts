import {
  FlagNotFoundError,
  GeneralError,
  ProviderFatalError,
  StandardResolutionReasons,
  TypeMismatchError,
  type EvaluationContext,
  type JsonValue,
  type ResolutionDetails,
} from '@openfeature/core';
import * as server from '@openfeature/server-sdk';
import * as web from '@openfeature/web-sdk';
import canonicalize from 'canonicalize';
import type { SpecFlag } from './spec-flags.js';

/** The provider states the suites ask for (`Given a <status> provider`). */
export enum SpecProviderState {
  Stable = 'stable',
  NotReady = 'not ready',
  Error = 'error',
  Fatal = 'fatal',
  Stale = 'stale',
}

/** The OpenFeature value type a resolver was asked for. */
export type SpecValueType = 'boolean' | 'string' | 'number' | 'object';

/**
 * The resolution the suites expect of a provider serving `test-flags.json` (flagd's semantics): unknown flag
 * FLAG_NOT_FOUND, disabled DISABLED with the caller's default, a matching context evaluator TARGETING_MATCH, a
 * non-matching one DEFAULT, no evaluator STATIC, a value of another type TYPE_MISMATCH, flag metadata as given, and
 * CACHED for an evaluation repeated with the same context. Records every context it receives.
 */
class SpecFlagResolver {
  /** Every evaluation context received, in order. */
  readonly contexts: EvaluationContext[] = [];
  private readonly seen = new Set<string>();

  constructor(private readonly flags: Readonly<Record<string, SpecFlag>>) {}

  resolve<T>(flagKey: string, type: SpecValueType, defaultValue: T, context: EvaluationContext): ResolutionDetails<T> {
    this.contexts.push(context);
    const flag = this.flags[flagKey];
    if (!flag) throw new FlagNotFoundError(`flag ${flagKey} not found`);
    if (flag.disabled) return { value: defaultValue, reason: StandardResolutionReasons.DISABLED };
    const targeted = flag.contextEvaluator?.(context) ?? '';
    const variant = targeted !== '' ? targeted : flag.defaultVariant;
    if (!variant) return { value: defaultValue, reason: StandardResolutionReasons.DEFAULT };
    const value = flag.variants[variant];
    if (!isOfType(value, type)) throw new TypeMismatchError(`flag ${flagKey} is not a ${type}`);
    const reason =
      targeted !== ''
        ? StandardResolutionReasons.TARGETING_MATCH
        : flag.contextEvaluator
          ? StandardResolutionReasons.DEFAULT
          : StandardResolutionReasons.STATIC;
    const cacheKey = `${flagKey}\u0000${type}\u0000${canonicalize(context) ?? ''}`;
    const cached = this.seen.has(cacheKey);
    this.seen.add(cacheKey);
    return {
      value: value as T,
      variant,
      reason: cached ? StandardResolutionReasons.CACHED : reason,
      ...(flag.flagMetadata ? { flagMetadata: { ...flag.flagMetadata } } : {}),
    };
  }
}

function isOfType(value: JsonValue | undefined, type: SpecValueType): boolean {
  if (type === 'object') return typeof value === 'object' && value !== null;
  return typeof value === type;
}

function initializeFor(state: SpecProviderState): () => Promise<void> {
  switch (state) {
    case SpecProviderState.NotReady:
      return () => new Promise<void>(() => {});
    case SpecProviderState.Error:
      return () => Promise.reject(new GeneralError('spec provider failed to initialize'));
    case SpecProviderState.Fatal:
      return () => Promise.reject(new ProviderFatalError('spec provider cannot ever initialize'));
    default:
      return () => Promise.resolve();
  }
}

/** The spec flag set as an OpenFeature server provider in the state a scenario asks for. */
export class SpecServerProvider implements server.Provider {
  readonly metadata = { name: 'spec-flags' } as const;
  readonly runsOn = 'server';
  readonly events = new server.OpenFeatureEventEmitter();
  readonly hooks: server.Hook[] = [];
  readonly initialize: () => Promise<void>;
  private readonly resolver: SpecFlagResolver;

  constructor(flags: Readonly<Record<string, SpecFlag>>, state: SpecProviderState) {
    this.resolver = new SpecFlagResolver(flags);
    this.initialize = initializeFor(state);
  }

  /** Contexts the provider was asked to evaluate with. */
  get contexts(): EvaluationContext[] {
    return this.resolver.contexts;
  }

  /** Tells the SDK its cached data is stale (the `stale` state). */
  goStale(): void {
    this.events.emit(server.ProviderEvents.Stale, { message: 'spec provider data is stale' });
  }

  async resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'boolean', defaultValue, context);
  }

  async resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'string', defaultValue, context);
  }

  async resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'number', defaultValue, context);
  }

  async resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'object', defaultValue, context);
  }
}

/** The spec flag set as an OpenFeature web provider (synchronous resolution) in the state a scenario asks for. */
export class SpecWebProvider implements web.Provider {
  readonly metadata = { name: 'spec-flags' } as const;
  readonly runsOn = 'client';
  readonly events = new web.OpenFeatureEventEmitter();
  readonly hooks: web.Hook[] = [];
  readonly initialize: () => Promise<void>;
  private readonly resolver: SpecFlagResolver;

  constructor(flags: Readonly<Record<string, SpecFlag>>, state: SpecProviderState) {
    this.resolver = new SpecFlagResolver(flags);
    this.initialize = initializeFor(state);
  }

  /** Contexts the provider was asked to evaluate with. */
  get contexts(): EvaluationContext[] {
    return this.resolver.contexts;
  }

  /** Tells the SDK its cached data is stale (the `stale` state). */
  goStale(): void {
    this.events.emit(web.ProviderEvents.Stale, { message: 'spec provider data is stale' });
  }

  resolveBooleanEvaluation(flagKey: string, defaultValue: boolean, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'boolean', defaultValue, context);
  }

  resolveStringEvaluation(flagKey: string, defaultValue: string, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'string', defaultValue, context);
  }

  resolveNumberEvaluation(flagKey: string, defaultValue: number, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'number', defaultValue, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(flagKey: string, defaultValue: T, context: EvaluationContext) {
    return this.resolver.resolve(flagKey, 'object', defaultValue, context);
  }
}
