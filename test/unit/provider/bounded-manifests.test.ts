import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import fc from 'fast-check';
import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { verifiedSnapshot } from '../../../provider/core/snapshot-cache.js';
import { FeatgateServerProvider, StaticManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, largePrompt, signedManifest, testSigningKey } from './gate-fixtures.js';

setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

const ENV = 'env-bounded';
const key = await testSigningKey();
const trust = { keys: [key.publicJwk], envId: ENV };

/** The prompt flag as approval `version` leaves it: a 10 KB JSON value that changes with every approval. */
function promptAt(version: number) {
  const value = JSON.stringify({ ...largePrompt(`v${version}`), version });
  return featBitFlag({
    key: 'prompt',
    variationType: 'json',
    variations: [{ id: 'v', name: 'v', value }],
    disabledVariationId: 'v',
    fallthrough: { variations: [{ id: 'v', rollout: [0, 1] }] },
  });
}

/** Full garbage collections until the weakly held manifests settle (finalisation can need more than one). */
function settle(): void {
  for (let round = 0; round < 3; round += 1) collectGarbage();
}

afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe('providers bounded in memory', () => {
  it('keep at most two verified manifests alive, whatever the number of approvals a gate follows', async () => {
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 3, max: 24 }), fc.integer({ min: 1, max: 3 }), async (approvals, gates) => {
        const manifestAt = async (version: number): Promise<string> =>
          (await signedManifest(key, ENV, [approvedState(ENV, promptAt(version), 'v', version)])).jws;
        const seen: WeakRef<object>[] = [];
        const follow = async (jws: string, version: number): Promise<void> => {
          const snapshot = await verifiedSnapshot(jws, trust);
          expect(snapshot.manifest.version).toBe(version);
          seen.push(new WeakRef(snapshot.manifest));
        };
        const first = await manifestAt(1);
        const sources = Array.from({ length: gates }, () => new StaticManifestSource(first));
        await Promise.all(
          sources.map((source, index) =>
            OpenFeature.setProviderAndWait(
              `bounded-${index}`,
              new FeatgateServerProvider(new InMemoryProvider({}), { source, publicKeys: [key.publicJwk], envId: ENV }),
            ),
          ),
        );
        await follow(first, 1);
        for (let version = 2; version <= approvals; version += 1) {
          const jws = await manifestAt(version);
          await Promise.all(sources.map((source) => source.update(jws)));
          await follow(jws, version);
        }
        settle();
        const alive = seen.filter((ref) => ref.deref() !== undefined).length;
        expect(alive, `${alive} of ${approvals} manifests alive`).toBeLessThanOrEqual(2);
        expect(seen.at(-1)!.deref(), 'the manifest in use').toBeDefined();
        await OpenFeature.clearProviders();
      }),
      { numRuns: 8 },
    );
  });
});
