import { OpenFeature, ProviderEvents, type JsonValue } from '@openfeature/web-sdk';
import type { JWK } from 'jose';
import { ContextManifestSource, FeatgateWebProvider } from '../../../provider/web/index.js';
import { PolledFeatBitWebProvider } from './polled-featbit-web-provider.js';

/** One evaluation as the page saw it (members the SDK left undefined stay so; they vanish on the way out of the page). */
export interface PageEvaluation {
  value: JsonValue;
  reason?: string | undefined;
  variant?: string | undefined;
  errorCode?: string | undefined;
  flagMetadata: Record<string, unknown>;
}

/** What the test page exposes to the browser test. */
export interface WebGateHarness {
  /** Starts the gate (per-context manifests from featgate) around FeatBit data polled from the page's backend. */
  start(options: { featgateUrl: string; envId: string; publicJwk: JWK; targetingKey: string }): Promise<void>;
  /** Evaluates a JSON flag through the OpenFeature client (gated). */
  evaluate(flagKey: string): PageEvaluation;
  /** What FeatBit alone serves the page for the flag (the inner provider, ungated). */
  featbit(flagKey: string): PageEvaluation;
  /** `flagsChanged` of every ConfigurationChanged the gate emitted for a new manifest. */
  manifestChanges(): string[][];
}

const manifestChanges: string[][] = [];
let inner: PolledFeatBitWebProvider | undefined;

const harness: WebGateHarness = {
  async start({ featgateUrl, envId, publicJwk, targetingKey }) {
    inner = new PolledFeatBitWebProvider(`${location.origin}/featbit/latest-all`, 100);
    const source = new ContextManifestSource({ baseUrl: featgateUrl, envId, refreshMs: 200 });
    const gate = new FeatgateWebProvider(inner, { source, publicKeys: [publicJwk], envId });
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      if (details?.message?.startsWith('featgate'))
        manifestChanges.push([...((details.flagsChanged as string[] | undefined) ?? [])]);
    });
    await OpenFeature.setContext({ targetingKey });
    await OpenFeature.setProviderAndWait(gate);
  },
  evaluate(flagKey) {
    const { value, reason, variant, errorCode, flagMetadata } = OpenFeature.getClient().getObjectDetails(flagKey, {});
    return { value, reason, variant, errorCode, flagMetadata: { ...flagMetadata } };
  },
  featbit(flagKey) {
    const { value, reason, variant, errorCode } = inner!.resolveObjectEvaluation(flagKey, {}, OpenFeature.getContext());
    return { value, reason, variant, errorCode, flagMetadata: {} };
  },
  manifestChanges: () => manifestChanges,
};

(globalThis as unknown as { webGate: WebGateHarness }).webGate = harness;
