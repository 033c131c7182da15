// A plain-JavaScript Node application, as an app team writes one against the installed package: FeatBit's Node SDK
// behind the featgate server gate, which follows featgate's manifest over HTTP. Prints one evaluation as JSON.
import { DataSyncModeEnum } from '@featbit/node-server-sdk';
import { FeatBitServerProvider } from '@featgate/openfeature/featbit';
import { FeatgateServerProvider, HttpManifestSource } from '@featgate/openfeature/server';
import { OpenFeature } from '@openfeature/server-sdk';

const { FEATGATE_URL, FEATBIT_URL, SDK_KEY, ENV_ID, PUBLIC_JWK, FLAG, TARGETING_KEY } = process.env;
const inner = new FeatBitServerProvider({
  options: {
    sdkKey: SDK_KEY,
    dataSyncMode: DataSyncModeEnum.POLLING,
    pollingUri: FEATBIT_URL,
    eventsUri: FEATBIT_URL,
    pollingInterval: 100,
    disableEvents: true,
    logLevel: 'none',
  },
});
const gate = new FeatgateServerProvider(inner, {
  source: new HttpManifestSource({ baseUrl: FEATGATE_URL, envId: ENV_ID }),
  publicKeys: [JSON.parse(PUBLIC_JWK)],
  envId: ENV_ID,
});
await OpenFeature.setProviderAndWait(gate);
const context = { targetingKey: TARGETING_KEY };
const bare = await inner.resolveObjectEvaluation(FLAG, {}, context, console);
const gated = await OpenFeature.getClient().getObjectDetails(FLAG, {}, context);
process.stdout.write(`${JSON.stringify({ bare, gated })}\n`);
await OpenFeature.close();
process.exit(0);
