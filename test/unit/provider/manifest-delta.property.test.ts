import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { manifestFlagsRoot, manifestEntryHash, verifyManifest } from '../../../provider/manifest/index.js';
import { verifiedDeltaSnapshot, verifiedSnapshot } from '../../../provider/core/snapshot-cache.js';
import type { ManifestSnapshot } from '../../../provider/core/manifest-snapshot.js';
import { ApprovedStates, rolloutFlag, steppingPublisher } from './manifest-delta-fixtures.js';
import { testSigningKey } from './gate-fixtures.js';

const ENV = 'env-delta';
const key = await testSigningKey();
const trust = { keys: [key.publicJwk], envId: ENV };

/** One change to the environment between two signings. */
type Step =
  | { readonly kind: 'approve'; readonly flag: number; readonly share: number; readonly label: string }
  | { readonly kind: 'remove'; readonly flag: number }
  | { readonly kind: 'renew' };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({
    kind: fc.constant('approve' as const),
    flag: fc.integer({ min: 0, max: 7 }),
    share: fc.double({ min: 0, max: 1, noNaN: true }),
    label: fc.string({ maxLength: 3 }),
  }),
  fc.record({ kind: fc.constant('remove' as const), flag: fc.integer({ min: 0, max: 7 }) }),
  fc.constant({ kind: 'renew' as const }),
);

async function rootOf(snapshot: ManifestSnapshot): Promise<string> {
  const entries = Object.entries(snapshot.manifest.flags);
  return manifestFlagsRoot(
    new Map(
      await Promise.all(entries.map(async ([flagKey, entry]) => [flagKey, await manifestEntryHash(entry)] as const)),
    ),
  );
}

describe('manifest deltas', () => {
  it('applied one after another give exactly the whole manifest of the same version, over any sequence of changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 12 }), async (steps) => {
        const publisher = steppingPublisher(key);
        const states = new ApprovedStates(ENV);
        states.approve(rolloutFlag('flag-0', 0.5));
        let held = await verifiedSnapshot((await publisher.publish(ENV, states.all())).jws, trust);
        try {
          for (const change of steps) {
            if (change.kind === 'approve')
              states.approve(rolloutFlag(`flag-${change.flag}`, change.share, change.label));
            if (change.kind === 'remove') states.remove(`flag-${change.flag}`);
            const signed = await publisher.publish(ENV, states.all());
            expect(signed.delta).toBeDefined();
            held = await verifiedDeltaSnapshot(held, signed.delta!.jws, trust);
            const whole = await verifyManifest(signed.jws, trust);
            expect(held.manifest).toEqual(whole);
            expect([...held.flags.keys()].sort()).toEqual(Object.keys(whole.flags).sort());
            expect(await held.flagsRoot()).toBe(await rootOf(held));
          }
        } finally {
          publisher.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('carry only the flags that changed', async () => {
    const publisher = steppingPublisher(key);
    const states = new ApprovedStates(ENV);
    for (let index = 0; index < 50; index += 1) states.approve(rolloutFlag(`flag-${index}`, 0.5));
    const first = await publisher.publish(ENV, states.all());
    states.approve(rolloutFlag('flag-7', 0.9));
    states.remove('flag-8');
    const second = await publisher.publish(ENV, states.all());
    const held = await verifiedDeltaSnapshot(await verifiedSnapshot(first.jws, trust), second.delta!.jws, trust);
    const payload = JSON.parse(Buffer.from(second.delta!.jws.split('.')[1]!, 'base64url').toString('utf8')) as {
      flags: object;
      removed: string[];
    };
    expect(Object.keys(payload.flags)).toEqual(['flag-7']);
    expect(payload.removed).toEqual(['flag-8']);
    expect(second.delta!.jws.length * 10).toBeLessThan(first.jws.length);
    expect(held.flags.get('flag-7')!.approvedVariationForContext({ targetingKey: 'someone' })).toBeDefined();
    publisher.close();
  });

  it('are verified and compiled once per process when several gates hold the same manifest', async () => {
    const publisher = steppingPublisher(key);
    const states = new ApprovedStates(ENV);
    states.approve(rolloutFlag('flag-0', 0.5));
    const first = await publisher.publish(ENV, states.all());
    states.approve(rolloutFlag('flag-0', 0.8));
    const second = await publisher.publish(ENV, states.all());
    const [a, b] = await Promise.all([verifiedSnapshot(first.jws, trust), verifiedSnapshot(first.jws, trust)]);
    expect(a).toBe(b);
    const [nextA, nextB] = await Promise.all([
      verifiedDeltaSnapshot(a, second.delta!.jws, trust),
      verifiedDeltaSnapshot(b, second.delta!.jws, trust),
    ]);
    expect(nextA).toBe(nextB);
    publisher.close();
  });
});
