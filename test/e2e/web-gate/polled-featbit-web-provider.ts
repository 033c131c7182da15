import {
  ErrorCode,
  OpenFeatureEventEmitter,
  ProviderEvents,
  StandardResolutionReasons,
  type EvaluationContext,
  type JsonValue,
  type Provider,
  type ResolutionDetails,
} from '@openfeature/web-sdk';
import { EvaluationKind, evaluateFlag } from '@featgate/openfeature/evaluator';
import {
  sdkFlagSchema,
  segmentSchema,
  type FeatBitFlag,
  type FeatBitSegment,
} from '../../../src/featbit/model/index.js';
import { convertFeatBitValue, RequestedType } from '@featgate/openfeature/manifest';
import { featBitUserFromContext } from '../../../provider/core/featbit-user-from-context.js';

interface DataSync {
  messageType: 'data-sync';
  data: { eventType: 'full' | 'patch'; featureFlags: unknown[]; segments: unknown[] };
}

/**
 * A browser-side OpenFeature provider for the test page: it polls FeatBit's server-SDK data (through the page's
 * own backend, which holds the environment secret) and evaluates it in the browser with the project's evaluator,
 * so whatever is live in the FeatBit sandbox (an unauthorized edit included) reaches the page as FeatBit would
 * serve it. Test code: the product's web gate wraps it like any other web provider.
 */
export class PolledFeatBitWebProvider implements Provider {
  readonly runsOn = 'client';
  readonly metadata = { name: 'polled-featbit-web' };
  readonly events = new OpenFeatureEventEmitter();
  private readonly flags = new Map<string, FeatBitFlag>();
  private readonly segments = new Map<string, FeatBitSegment>();
  private timestamp = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly dataUrl: string,
    private readonly pollMs: number,
  ) {}

  async initialize(): Promise<void> {
    await this.poll();
    this.timer = setInterval(() => void this.poll().catch(() => undefined), this.pollMs);
  }

  async onClose(): Promise<void> {
    clearInterval(this.timer);
  }

  resolveBooleanEvaluation(
    flagKey: string,
    defaultValue: boolean,
    context: EvaluationContext,
  ): ResolutionDetails<boolean> {
    return this.resolve(flagKey, defaultValue, RequestedType.Boolean, context);
  }

  resolveStringEvaluation(
    flagKey: string,
    defaultValue: string,
    context: EvaluationContext,
  ): ResolutionDetails<string> {
    return this.resolve(flagKey, defaultValue, RequestedType.String, context);
  }

  resolveNumberEvaluation(
    flagKey: string,
    defaultValue: number,
    context: EvaluationContext,
  ): ResolutionDetails<number> {
    return this.resolve(flagKey, defaultValue, RequestedType.Number, context);
  }

  resolveObjectEvaluation<T extends JsonValue>(
    flagKey: string,
    defaultValue: T,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    return this.resolve(flagKey, defaultValue, RequestedType.Object, context);
  }

  private resolve<T>(
    flagKey: string,
    defaultValue: T,
    type: RequestedType,
    context: EvaluationContext,
  ): ResolutionDetails<T> {
    const flag = this.flags.get(flagKey);
    if (!flag)
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.FLAG_NOT_FOUND };
    const result = evaluateFlag(flag, featBitUserFromContext(context), (id) => this.segments.get(id));
    if (result.kind === EvaluationKind.Error || result.value === undefined) {
      return {
        value: defaultValue,
        reason: StandardResolutionReasons.ERROR,
        errorCode: ErrorCode.GENERAL,
        errorMessage: result.reason,
      };
    }
    const converted = convertFeatBitValue(result.value, type);
    if (!converted.convertible)
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: ErrorCode.TYPE_MISMATCH };
    const reason =
      result.kind === EvaluationKind.Off
        ? StandardResolutionReasons.DISABLED
        : result.kind === EvaluationKind.FallThrough
          ? StandardResolutionReasons.DEFAULT
          : StandardResolutionReasons.TARGETING_MATCH;
    return {
      value: converted.value as T,
      ...(result.variationId === undefined ? {} : { variant: result.variationId }),
      reason,
    };
  }

  private async poll(): Promise<void> {
    const response = await fetch(`${this.dataUrl}?timestamp=${this.timestamp}`, { cache: 'no-store' });
    if (!response.ok) throw new Error(`FeatBit data answered ${response.status}`);
    const text = await response.text();
    if (!text) return;
    const { data } = JSON.parse(text) as DataSync;
    if (data.eventType === 'full') {
      this.flags.clear();
      this.segments.clear();
    }
    const flags = data.featureFlags.map((flag) => sdkFlagSchema.parse(flag));
    for (const flag of flags) {
      this.flags.set(flag.key, flag);
      this.timestamp = Math.max(this.timestamp, Date.parse(flag.updatedAt));
    }
    for (const segment of data.segments.map((item) => segmentSchema.parse(item))) {
      this.segments.set(segment.id, segment);
      this.timestamp = Math.max(this.timestamp, Date.parse(segment.updatedAt ?? '0'));
    }
    this.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: flags.map((flag) => flag.key) });
  }
}
