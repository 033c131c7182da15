import { integrations, type IFbClient } from '@featbit/node-server-sdk';
import type { FeatBitFlag } from '../../../src/featbit/model/index.js';
import { FeatBitServerProvider } from '../../../provider/index.js';

/** A FeatBit provider on the real Node SDK, fed through the SDK's own TestData synchronizer, whose flags a test edits. */
export interface LiveFeatBit {
  readonly provider: FeatBitServerProvider;
  /** Puts (creates or edits) a flag, as an edit in FeatBit reaching the SDK. */
  put(flag: FeatBitFlag): Promise<void>;
}

/** Starts the real SDK (no network: TestData synchronizer, events disabled) holding `flags`. */
export async function liveFeatBit(flags: FeatBitFlag[]): Promise<LiveFeatBit> {
  const td = new integrations.TestData();
  const provider = new FeatBitServerProvider({
    options: { sdkKey: 'test-sdk-key', disableEvents: true, logLevel: 'none', dataSynchronizer: td.getFactory() },
  });
  const put = async (flag: FeatBitFlag): Promise<void> => {
    await td.update({ ...flag, version: 0, updatedAt: new Date().toISOString() } as unknown as Parameters<
      typeof td.update
    >[0]);
  };
  await (provider.client as IFbClient).waitForInitialization();
  for (const flag of flags) await put(flag);
  return { provider, put };
}
