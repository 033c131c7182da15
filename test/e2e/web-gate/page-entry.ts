import { InMemoryProvider, OpenFeature, ProviderEvents } from '@openfeature/web-sdk';
import type { JWK } from 'jose';
import { FeatgateWebProvider, HttpManifestSource } from '../../../provider/web/index.js';

/** What the test page exposes to the browser test. */
export interface WebGateHarness {
  start(options: { envId: string; publicJwk: JWK; user: string }): Promise<void>;
  evaluate(): { value: string; reason?: string; variant?: string; gated?: unknown };
  changes(): string[][];
}

const changes: string[][] = [];

const harness: WebGateHarness = {
  async start({ envId, publicJwk, user }) {
    const inner = new InMemoryProvider({
      tone: { variants: { calm: 'calm', bold: 'bold' }, defaultVariant: 'bold', disabled: false },
    });
    const source = new HttpManifestSource({ baseUrl: location.origin, envId, reconnectDelayMs: 100, pollIntervalMs: 1_000 });
    const gate = new FeatgateWebProvider(inner, { source, publicKeys: [publicJwk], envId });
    OpenFeature.addHandler(ProviderEvents.ConfigurationChanged, (details) => {
      if (details?.message?.startsWith('featgate')) changes.push([...((details.flagsChanged as string[] | undefined) ?? [])]);
    });
    await OpenFeature.setContext({ targetingKey: user });
    await OpenFeature.setProviderAndWait(gate);
  },
  evaluate() {
    const details = OpenFeature.getClient().getStringDetails('tone', 'default');
    return { value: details.value, reason: details.reason, variant: details.variant, gated: details.flagMetadata['featgateGated'] };
  },
  changes: () => changes,
};

(globalThis as unknown as { webGate: WebGateHarness }).webGate = harness;
