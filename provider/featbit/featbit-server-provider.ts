import {
  FbClientBuilder,
  ReasonKinds,
  type IEvalDetail,
  type IFbClient,
  type IOptions,
} from '@featbit/node-server-sdk';
import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Logger,
  type Provider,
  type ResolutionDetails,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { RESOLVE_RAW_JSON, type RawJsonResolution, type RawJsonResolver } from '../core/raw-json-resolver.js';
import { RequestedType } from '../manifest/featbit-value.js';
import { sdkUserFromContext } from './featbit-user.js';
import { IndexedFlagStore } from './indexed-flag-store.js';

/** How the provider gets its FeatBit client. */
export type FeatBitProviderOptions =
  /** Build the client from these SDK options; variant ids and SPLIT are then known (the provider owns the store). */
  | { readonly options: IOptions }
  /** Use an existing client; `variant` is then left out, since the SDK does not expose variation ids. */
  | { readonly client: IFbClient };

/**
 * An OpenFeature server provider (server-sdk 1.2x) on `@featbit/node-server-sdk` 1.3 (FeatBit's own provider is
 * unpublished and pinned to server-sdk 1.9). It maps FeatBit's kinds to standard reasons (Off → DISABLED, target
 * and rule matches → TARGETING_MATCH, default rule → DEFAULT, or SPLIT for a percentage default rule), sets
 * `variant` to FeatBit's variation id when it is unambiguous, converts every context attribute to a string so the
 * SDK's operators cannot throw on types, emits ConfigurationChanged with the changed flag keys, and forwards `track`.
 * Note: the SDK records the exposure inside the evaluation, before any wrapping gate sees the value.
 */
export class FeatBitServerProvider implements Provider, RawJsonResolver {
  readonly runsOn = 'server';
  readonly metadata = { name: 'featbit-server' } as const;
  readonly events = new OpenFeatureEventEmitter();
  /** The FeatBit client in use. */
  readonly client: IFbClient;
  private readonly store: IndexedFlagStore | undefined;
  private closing: Promise<void> | undefined;

  constructor(config: FeatBitProviderOptions) {
    if ('client' in config) {
      this.client = config.client;
    } else {
      this.store = new IndexedFlagStore();
      this.client = new FbClientBuilder({ ...config.options, store: this.store } as IOptions).build();
    }
    this.client.on('update', (keys: string[]) => {
      this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: [...keys] });
    });
  }

  /** Waits for the client's first data; its failure is rethrown unchanged. */
  async initialize(): Promise<void> {
    await this.client.waitForInitialization();
  }

  /** Flushes and closes the client, once. */
  onClose(): Promise<void> {
    this.closing ??= this.client.close();
    return this.closing;
  }

  /** Sends a custom event to FeatBit (`client.track`); `value` is the metric value (FeatBit's default 1). */
  track(trackingEventName: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.client.track(sdkUserFromContext(context), trackingEventName, details?.value);
  }

  async resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<boolean>> {
    return this.resolve(flagKey, defaultValue, RequestedType.Boolean, context, (user) =>
      this.client.boolVariationDetail(flagKey, user, defaultValue),
    );
  }

  async resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<string>> {
    return this.resolve(flagKey, defaultValue, RequestedType.String, context, (user) =>
      this.client.stringVariationDetail(flagKey, user, defaultValue),
    );
  }

  async resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): Promise<ResolutionDetails<number>> {
    return this.resolve(flagKey, defaultValue, RequestedType.Number, context, (user) =>
      this.client.numberVariationDetail(flagKey, user, defaultValue),
    );
  }

  /**
   * JSON flags: with its own store the provider reads the stored string (`stringVariationDetail`, the same
   * evaluation and insight event as `jsonVariationDetail`), finds its variation id by that string and parses it once,
   * as the SDK's JSON converter would; so a large JSON value is never canonicalised per evaluation.
   */
  async resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
    _logger: Logger,
  ): Promise<ResolutionDetails<T>> {
    return (await this[RESOLVE_RAW_JSON](flagKey, defaultValue, context)).details;
  }

  /**
   * `resolveObjectEvaluation` with the stored string the served value was parsed from (a fresh object per call), so
   * a gate over this provider identifies the value by that string instead of walking its content. Without its own
   * store (an existing client), no string is known: the SDK parses the value itself.
   */
  async [RESOLVE_RAW_JSON]<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): Promise<RawJsonResolution<T>> {
    const store = this.store;
    if (!store)
      return {
        details: await this.resolve(flagKey, defaultValue, RequestedType.Object, context, (user) =>
          this.client.jsonVariationDetail(flagKey, user, defaultValue),
        ),
      };
    // one async step, no closure: this is the path a gate over a large JSON flag takes on every evaluation
    const user = sdkUserFromContext(context);
    if (user.key.trim() === '') return { details: missingKey(defaultValue) };
    let detail: IEvalDetail<string>;
    try {
      detail = await this.client.stringVariationDetail(flagKey, user, '');
    } catch (thrown) {
      return { details: evaluationFailed(defaultValue, thrown) };
    }
    const text = detail.value;
    if (!isServed(detail.kind) || text === undefined)
      return { details: this.detailsOf(flagKey, defaultValue, { ...detail, value: defaultValue }, () => undefined) };
    let value: T;
    try {
      value = JSON.parse(text) as T;
    } catch {
      return { details: error(defaultValue, ErrorCode.TYPE_MISMATCH, 'type mismatch') };
    }
    return {
      details: this.servedDetails(flagKey, detail.kind, value, store.variationIdOfRawJson(flagKey, text)),
      raw: text,
    };
  }

  private async resolve<T>(
    flagKey: string,
    defaultValue: T,
    type: RequestedType,
    context: EvaluationContext,
    evaluate: (user: ReturnType<typeof sdkUserFromContext>) => Promise<IEvalDetail<T>>,
  ): Promise<ResolutionDetails<T>> {
    const user = sdkUserFromContext(context);
    if (user.key.trim() === '') return missingKey(defaultValue);
    let detail: IEvalDetail<T>;
    try {
      detail = await evaluate(user);
    } catch (thrown) {
      return evaluationFailed(defaultValue, thrown);
    }
    return this.detailsOf(flagKey, defaultValue, detail, (value) => this.store?.variationIdOf(flagKey, type, value));
  }

  /** The resolution for an SDK result: its kind mapped to an error code or a standard reason, and the variant. */
  private detailsOf<T>(
    flagKey: string,
    defaultValue: T,
    detail: IEvalDetail<T>,
    variantOf: (value: T) => string | undefined,
  ): ResolutionDetails<T> {
    const message = detail.reason ?? detail.kind;
    switch (detail.kind) {
      case ReasonKinds.ClientNotReady:
        return error(defaultValue, ErrorCode.PROVIDER_NOT_READY, message);
      case ReasonKinds.FlagNotFound:
        return error(defaultValue, ErrorCode.FLAG_NOT_FOUND, message);
      case ReasonKinds.WrongType:
        return error(defaultValue, ErrorCode.TYPE_MISMATCH, message);
      case ReasonKinds.Error:
        return error(defaultValue, ErrorCode.GENERAL, message);
      default: {
        const value = detail.value as T;
        return this.servedDetails(flagKey, detail.kind, value, variantOf(value));
      }
    }
  }

  /** The resolution of a value the SDK served: the standard reason of its kind, and its variation id when known. */
  private servedDetails<T>(
    flagKey: string,
    kind: ReasonKinds,
    value: T,
    variant: string | undefined,
  ): ResolutionDetails<T> {
    const details: ResolutionDetails<T> = { value, reason: this.reasonOf(flagKey, kind) };
    if (variant !== undefined) details.variant = variant;
    return details;
  }

  private reasonOf(flagKey: string, kind: ReasonKinds): string {
    switch (kind) {
      case ReasonKinds.Off:
        return StandardResolutionReasons.DISABLED;
      case ReasonKinds.TargetMatch:
      case ReasonKinds.RuleMatch:
        return StandardResolutionReasons.TARGETING_MATCH;
      case ReasonKinds.FallThrough:
        return this.store?.isSplitFallthrough(flagKey)
          ? StandardResolutionReasons.SPLIT
          : StandardResolutionReasons.DEFAULT;
      default:
        return StandardResolutionReasons.UNKNOWN;
    }
  }
}

/** Whether the SDK served a variation (rather than the default for a missing, failing or unready flag). */
function isServed(kind: ReasonKinds): boolean {
  return (
    kind === ReasonKinds.Off ||
    kind === ReasonKinds.TargetMatch ||
    kind === ReasonKinds.RuleMatch ||
    kind === ReasonKinds.FallThrough
  );
}

/** A context without a key: FeatBit cannot evaluate it. */
function missingKey<T>(defaultValue: T): ResolutionDetails<T> {
  return error(defaultValue, ErrorCode.TARGETING_KEY_MISSING, 'FeatBit needs a targetingKey (or key) in the context');
}

/** The SDK throws from some operators when a rule reads an attribute the context lacks. */
function evaluationFailed<T>(defaultValue: T, thrown: unknown): ResolutionDetails<T> {
  return error(
    defaultValue,
    ErrorCode.GENERAL,
    `FeatBit evaluation failed: ${thrown instanceof Error ? thrown.message : String(thrown)}`,
  );
}

function error<T>(value: T, errorCode: ErrorCode, errorMessage: string): ResolutionDetails<T> {
  return { value, reason: StandardResolutionReasons.ERROR, errorCode, errorMessage };
}
