// A plain-JavaScript browser application bundled from the installed package: an inner provider that evaluates the
// FeatBit data its backend relays (with the package's FeatBit evaluator), behind the featgate web gate, which fetches
// per-context manifests from featgate over CORS. The page exposes `app` to the test.
import { EvaluationKind, evaluateFlag } from '@featgate/openfeature/evaluator';
import { convertFeatBitValue, RequestedType } from '@featgate/openfeature/manifest';
import { ContextManifestSource, FeatgateWebProvider } from '@featgate/openfeature/web';
import { OpenFeature, OpenFeatureEventEmitter, StandardResolutionReasons } from '@openfeature/web-sdk';

class RelayedFeatBitProvider {
  runsOn = 'client';
  metadata = { name: 'relayed-featbit' };
  events = new OpenFeatureEventEmitter();
  flags = new Map();
  segments = new Map();

  async initialize() {
    await this.poll();
    this.timer = setInterval(() => void this.poll().catch(() => undefined), 100);
  }

  onClose() {
    clearInterval(this.timer);
  }

  async poll() {
    const response = await fetch('/featbit/latest-all', { cache: 'no-store' });
    const { data } = await response.json();
    for (const flag of data.featureFlags) this.flags.set(flag.key, flag);
    for (const segment of data.segments) this.segments.set(segment.id, segment);
  }

  resolveBooleanEvaluation(key, value, context) {
    return this.resolve(key, value, RequestedType.Boolean, context);
  }

  resolveStringEvaluation(key, value, context) {
    return this.resolve(key, value, RequestedType.String, context);
  }

  resolveNumberEvaluation(key, value, context) {
    return this.resolve(key, value, RequestedType.Number, context);
  }

  resolveObjectEvaluation(key, value, context) {
    return this.resolve(key, value, RequestedType.Object, context);
  }

  resolve(key, defaultValue, type, context) {
    const flag = this.flags.get(key);
    if (!flag) return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: 'FLAG_NOT_FOUND' };
    const result = evaluateFlag(flag, { keyId: context.targetingKey ?? '' }, (id) => this.segments.get(id));
    const converted =
      result.kind === EvaluationKind.Error ? { convertible: false } : convertFeatBitValue(result.value, type);
    if (!converted.convertible)
      return { value: defaultValue, reason: StandardResolutionReasons.ERROR, errorCode: 'GENERAL' };
    return { value: converted.value, variant: result.variationId, reason: StandardResolutionReasons.DEFAULT };
  }
}

const inner = new RelayedFeatBitProvider();
globalThis.app = {
  async start({ featgateUrl, envId, publicJwk, targetingKey }) {
    const source = new ContextManifestSource({ baseUrl: featgateUrl, envId, refreshMs: 200 });
    await OpenFeature.setContext({ targetingKey });
    await OpenFeature.setProviderAndWait(new FeatgateWebProvider(inner, { source, publicKeys: [publicJwk], envId }));
  },
  evaluate(flagKey) {
    const { value, reason, variant, errorCode, flagMetadata } = OpenFeature.getClient().getObjectDetails(flagKey, {});
    return {
      gated: { value, reason, variant, errorCode, flagMetadata: { ...flagMetadata } },
      bare: inner.resolveObjectEvaluation(flagKey, {}, OpenFeature.getContext()),
    };
  },
};
