import { OpenFeature, type EvaluationDetails, type JsonValue } from '@openfeature/server-sdk';
import type { JWK } from 'jose';
import { FeatBitServerProvider } from '@featgate/openfeature/featbit';
import { FeatgateServerProvider, HttpManifestSource } from '@featgate/openfeature/server';
import { DataSyncModeEnum } from '@featbit/node-server-sdk';

/** Where the example app finds FeatBit (for the real FeatBit Node SDK) and featgate (for the signed manifest). */
export interface ExampleAppOptions {
  readonly featgateUrl: string;
  readonly envId: string;
  /** The environment's server SDK key. */
  readonly sdkKey: string;
  /** FeatBit's base URL (the SDK's polling and events endpoints live there). */
  readonly featbitUrl: string;
  /** The public JWK the gate verifies manifests with (`featgate keys`). */
  readonly publicJwk: JWK;
  /** Flags to evaluate, JSON-typed AI configuration. */
  readonly flags: readonly string[];
  /** User keys to evaluate for, so rollouts show. */
  readonly users: readonly string[];
  /** How often to evaluate. */
  readonly intervalMs: number;
  /** Stop after this many rounds (default: until `signal` aborts). */
  readonly rounds?: number;
  readonly signal?: AbortSignal;
  /** Where each line goes. */
  readonly out: (line: string) => void;
}

/**
 * The example application of the demo: the real FeatBit Node SDK wrapped by the featgate gate, evaluated through
 * OpenFeature the way an AI feature would read its prompt and model route. It prints one line per flag and user
 * whenever what it serves changes, with the gate's reason, so a newcomer sees an unauthorized edit never reach users.
 */
export async function runExampleApp(options: ExampleAppOptions): Promise<void> {
  const inner = new FeatBitServerProvider({
    options: {
      sdkKey: options.sdkKey,
      pollingUri: options.featbitUrl,
      eventsUri: options.featbitUrl,
      dataSyncMode: DataSyncModeEnum.POLLING,
      pollingInterval: 1000,
    },
  });
  const source = new HttpManifestSource({ baseUrl: options.featgateUrl, envId: options.envId });
  const gate = new FeatgateServerProvider(inner, { source, publicKeys: [options.publicJwk], envId: options.envId });
  await OpenFeature.setProviderAndWait(gate);
  const client = OpenFeature.getClient('featgate-example-app');
  const last = new Map<string, string>();
  try {
    for (let round = 0; options.rounds === undefined || round < options.rounds; round += 1) {
      if (options.signal?.aborted) break;
      for (const flag of options.flags) {
        for (const user of options.users) {
          const details = await client.getObjectDetails<JsonValue>(flag, {}, { targetingKey: user });
          const line = describe(details);
          const key = `${flag} ${user}`;
          if (last.get(key) !== line)
            options.out(`${new Date().toISOString().slice(11, 19)} ${flag} for ${user}: ${line}`);
          last.set(key, line);
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.intervalMs));
    }
  } finally {
    await OpenFeature.close();
  }
}

function describe(details: EvaluationDetails<JsonValue>): string {
  const gated =
    details.reason === 'UNAPPROVED' ? ' (gated: FeatBit offered an unapproved value, the approved one is served)' : '';
  return `${details.variant ?? '?'} ${JSON.stringify(details.value)} [${details.reason ?? 'UNKNOWN'}]${gated}`;
}
