import { InMemoryProvider, OpenFeature } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../../policies/index.js';
import {
  ManifestPublisher,
  manifestGovernanceOf,
  verifyManifest,
  type FlagCompileFailure,
} from '../../../src/manifest/index.js';
import { FeatgateServerProvider, StaticManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, testSigningKey } from '../provider/gate-fixtures.js';

const ENV = 'env-wedge';
const key = await testSigningKey();

function limitFlag(value: string, rules: unknown[] = []) {
  return featBitFlag({
    key: 'token-limit',
    variationType: 'number',
    variations: [{ id: 'v-limit', name: 'limit', value }],
    disabledVariationId: 'v-limit',
    rules,
    fallthrough: { variations: [{ id: 'v-limit', rollout: [0, 1] }] },
  });
}

const tone = featBitFlag({
  key: 'tone',
  variationType: 'string',
  variations: [
    { id: 'calm', name: 'calm', value: 'calm' },
    { id: 'bold', name: 'bold', value: 'bold' },
  ],
  disabledVariationId: 'calm',
  fallthrough: { variations: [{ id: 'calm', rollout: [0, 1] }] },
});

const segmentRule = {
  id: 'r-beta',
  name: 'beta',
  dispatchKey: null,
  conditions: [{ property: 'User is in segment', op: null, value: '["seg-missing"]' }],
  variations: [{ id: 'v-route', rollout: [0, 1] }],
};
const routeFlag = featBitFlag({
  key: 'support-model-route',
  variationType: 'string',
  variations: [{ id: 'v-route', name: 'route', value: 'small' }],
  disabledVariationId: 'v-route',
  rules: [segmentRule],
  fallthrough: { variations: [{ id: 'v-route', rollout: [0, 1] }] },
});

afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe('one accepted edit never wedges an environment', () => {
  it('keeps the last good entry of a flag whose new approved state cannot compile, denies a never-good one, and signs the rest', async () => {
    const failures: FlagCompileFailure[] = [];
    const publisher = new ManifestPublisher({
      key,
      onFlagCompileFailure: (_env, failure) => void failures.push(failure),
    });
    await publisher.publish(ENV, [
      approvedState(ENV, limitFlag('512'), 'v-limit', 1),
      approvedState(ENV, tone, 'calm', 2),
    ]);

    // accepted edits: a value invalid for the flag type, a rule naming a segment the approved state lacks
    const signed = await publisher.publish(ENV, [
      approvedState(ENV, limitFlag('a lot'), 'v-limit', 3),
      approvedState(ENV, { ...tone, variations: [...tone.variations] }, 'bold', 4),
      approvedState(ENV, routeFlag, 'v-route', 5),
    ]);
    const manifest = await verifyManifest(signed.jws, { keys: [key.publicJwk], envId: ENV });
    expect(manifest.version).toBe(5);
    expect(manifest.flags['token-limit']).toMatchObject({ version: 1, baseline: { variationId: 'v-limit' } });
    expect(manifest.flags['tone']).toMatchObject({ version: 4, baseline: { variationId: 'bold' } });
    expect(manifest.flags['support-model-route']).toBeUndefined();
    expect(manifest.denied).toEqual(['support-model-route']);
    expect(failures.map(({ flagKey, keptVersion }) => [flagKey, keptVersion])).toEqual([
      ['token-limit', 1],
      ['support-model-route', undefined],
    ]);
    expect(failures[0]!.issues[0]).toMatchObject({
      path: 'flags.token-limit.variations.0.value',
      message: 'not a valid number value',
    });
    expect(failures[1]!.issues[0]!.message).toBe('segment seg-missing is not in the approved state');
    expect(publisher.failures(ENV).map((failure) => failure.flagKey)).toEqual(['token-limit', 'support-model-route']);

    // renewals keep going
    await expect(publisher.renewDue()).resolves.toBeUndefined();
  });

  it('a gate serves the kept entry and denies the flag that never compiled, never passing FeatBit values', async () => {
    const publisher = new ManifestPublisher({ key });
    await publisher.publish(ENV, [approvedState(ENV, limitFlag('512'), 'v-limit', 1)]);
    const signed = await publisher.publish(ENV, [
      approvedState(ENV, limitFlag('a lot'), 'v-limit', 2),
      approvedState(ENV, routeFlag, 'v-route', 3),
    ]);
    const inner = new InMemoryProvider({
      'token-limit': { variants: { edited: 100_000 }, defaultVariant: 'edited', disabled: false },
      'support-model-route': { variants: { edited: 'huge' }, defaultVariant: 'edited', disabled: false },
    });
    await OpenFeature.setProviderAndWait(
      'wedge',
      new FeatgateServerProvider(inner, {
        source: new StaticManifestSource(signed.jws),
        publicKeys: [key.publicJwk],
        envId: ENV,
      }),
    );
    const client = OpenFeature.getClient('wedge');
    expect(await client.getNumberDetails('token-limit', 0)).toMatchObject({ value: 512, reason: 'UNAPPROVED' });
    expect(await client.getStringDetails('support-model-route', 'fallback')).toMatchObject({
      value: 'fallback',
      reason: 'ERROR',
      errorCode: 'GENERAL',
    });
  });

  it('gates deny flags matching the governed keys and patterns that the manifest has no entry for', async () => {
    const publisher = new ManifestPublisher({ key });
    const signed = await publisher.publish(ENV, [approvedState(ENV, tone, 'calm', 1)], {
      governed: { keys: ['support-assistant-prompt'], keyPatterns: ['*-model-route'] },
      denied: ['tagged-tool-policy'],
    });
    const inner = new InMemoryProvider(
      Object.fromEntries(
        ['support-assistant-prompt', 'billing-model-route', 'tagged-tool-policy', 'unrelated'].map((flagKey) => [
          flagKey,
          { variants: { v: 'live' }, defaultVariant: 'v', disabled: false },
        ]),
      ),
    );
    await OpenFeature.setProviderAndWait(
      'governed',
      new FeatgateServerProvider(inner, {
        source: new StaticManifestSource(signed.jws),
        publicKeys: [key.publicJwk],
        envId: ENV,
      }),
    );
    const client = OpenFeature.getClient('governed');
    for (const flagKey of ['support-assistant-prompt', 'billing-model-route', 'tagged-tool-policy']) {
      expect(await client.getStringDetails(flagKey, 'default')).toMatchObject({
        value: 'default',
        errorCode: 'GENERAL',
      });
    }
    expect(await client.getStringDetails('unrelated', 'default')).toMatchObject({ value: 'live', reason: 'STATIC' });
  });

  it('takes the governed keys and patterns from the policy, per environment', async () => {
    const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
    const governance = manifestGovernanceOf(policy, policy.environments[0]!.id, ['tagged-flag']);
    expect(governance.governed?.keys).toContain('support-assistant-prompt');
    expect(governance.governed?.keyPatterns).toEqual(expect.arrayContaining(['*-model-route', '*-guardrails']));
    expect(governance.denied).toEqual(['tagged-flag']);
  });

  it('carries the ledger head into every manifest, and a gate reports the head it witnesses', async () => {
    const head = { seq: 42, hash: 'a'.repeat(64) };
    const publisher = new ManifestPublisher({ key, ledgerHead: async () => head });
    const signed = await publisher.publish(ENV, [approvedState(ENV, tone, 'calm', 1)]);
    expect((await verifyManifest(signed.jws, { keys: [key.publicJwk], envId: ENV })).ledgerHead).toEqual(head);
    const gate = new FeatgateServerProvider(new InMemoryProvider({}), {
      source: new StaticManifestSource(signed.jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await OpenFeature.setProviderAndWait('witness', gate);
    expect(gate.stats().ledgerHead).toBe(`42:${'a'.repeat(64)}`);
  });
});
