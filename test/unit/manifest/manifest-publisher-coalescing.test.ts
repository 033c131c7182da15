import { describe, expect, it } from 'vitest';
import { ManifestPublisher, verifyManifest, type SignedManifest } from '../../../src/manifest/index.js';
import { approvedState, featBitFlag, testSigningKey } from '../provider/gate-fixtures.js';

const ENV = 'env-burst';

function stringFlag(index: number) {
  return featBitFlag({
    key: `flag-${index}`,
    variationType: 'string',
    variations: [{ id: 'base', name: 'base', value: `value ${index}` }],
    disabledVariationId: 'base',
    fallthrough: { variations: [{ id: 'base', rollout: [0, 1] }] },
  });
}

/** The states after `count` adoptions, one flag each, as the projections hand them to the publisher. */
function statesAfter(count: number) {
  return Array.from({ length: count }, (_, index) => approvedState(ENV, stringFlag(index), 'base', index + 1));
}

describe('manifest publisher under a burst of publishes', () => {
  it('signs a burst of 200 publishes a few times, not 200, and every caller gets a manifest with its states or newer', async () => {
    const key = await testSigningKey();
    const publisher = new ManifestPublisher({ key });
    const signed: SignedManifest[] = [];
    publisher.subscribe(ENV, (manifest) => signed.push(manifest));
    const results = await Promise.all(
      Array.from({ length: 200 }, (_, index) => publisher.publish(ENV, statesAfter(index + 1))),
    );
    expect(signed.length).toBeLessThanOrEqual(2);
    const last = await verifyManifest(publisher.current(ENV)!.jws, { keys: [key.publicJwk], envId: ENV });
    expect(Object.keys(last.flags)).toHaveLength(200);
    for (const [index, result] of results.entries()) expect(result.version).toBeGreaterThanOrEqual(index + 1);
    publisher.close();
  });

  it('signs an isolated publish after an idle period on its own, with its states', async () => {
    const key = await testSigningKey();
    const publisher = new ManifestPublisher({ key });
    await publisher.publish(ENV, statesAfter(1));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const second = await publisher.publish(ENV, statesAfter(2));
    const manifest = await verifyManifest(second.jws, { keys: [key.publicJwk], envId: ENV });
    expect(Object.keys(manifest.flags)).toEqual(['flag-0', 'flag-1']);
    publisher.close();
  });

  it('keeps publishing order: a publish made while a signing runs gets a later manifest', async () => {
    const key = await testSigningKey();
    const publisher = new ManifestPublisher({ key });
    const first = publisher.publish(ENV, statesAfter(1));
    const second = publisher.publish(ENV, statesAfter(3));
    const [a, b] = await Promise.all([first, second]);
    expect(b.version).toBeGreaterThanOrEqual(a.version);
    expect(b.version).toBe(3);
    publisher.close();
  });
});
