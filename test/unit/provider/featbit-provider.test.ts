import { FbClientBuilder } from '@featbit/node-server-sdk';
import { InMemoryProvider as WebInMemoryProvider, type EvaluationContext as WebContext } from '@openfeature/web-sdk';
import { OpenFeature, ProviderEvents, type EventDetails } from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FeatBitServerProvider, FeatgateWebProvider, StaticManifestSource } from '../../../provider/index.js';
import { featBitFlag } from './gate-fixtures.js';
import { liveFeatBit } from './live-featbit.js';

const variations = [
  { id: 'v-off', name: 'off', value: 'off-value' },
  { id: 'v-target', name: 'target', value: 'target-value' },
  { id: 'v-rule', name: 'rule', value: 'rule-value' },
  { id: 'v-default', name: 'default', value: 'default-value' },
];
const flag = featBitFlag({
  key: 'reasons',
  variationType: 'string',
  variations,
  disabledVariationId: 'v-off',
  targetUsers: [{ keyIds: ['vip'], variationId: 'v-target' }],
  rules: [
    {
      id: 'r',
      name: 'beta',
      conditions: [{ property: 'beta', op: 'IsTrue', value: 'IsTrue' }],
      variations: [{ id: 'v-rule', rollout: [0, 1] }],
    },
  ],
  fallthrough: { variations: [{ id: 'v-default', rollout: [0, 1] }] },
});

afterEach(async () => {
  await OpenFeature.clearProviders();
});

describe('FeatBit server provider', () => {
  it('maps FeatBit kinds to standard reasons with variation ids, and never lets operators see non-strings', async () => {
    const live = await liveFeatBit([flag]);
    await OpenFeature.setProviderAndWait('featbit-reasons', live.provider);
    const client = OpenFeature.getClient('featbit-reasons');
    expect(await client.getStringDetails('reasons', 'x', { targetingKey: 'vip' })).toMatchObject({
      value: 'target-value',
      variant: 'v-target',
      reason: 'TARGETING_MATCH',
    });
    expect(await client.getStringDetails('reasons', 'x', { targetingKey: 'u', beta: true })).toMatchObject({
      value: 'rule-value',
      variant: 'v-rule',
      reason: 'TARGETING_MATCH',
    });
    expect(
      await client.getStringDetails('reasons', 'x', { targetingKey: 'u', beta: false, age: 3, tags: ['a'] }),
    ).toMatchObject({ value: 'default-value', variant: 'v-default', reason: 'DEFAULT' });
    expect(await client.getStringDetails('reasons', 'x', {})).toMatchObject({
      value: 'x',
      errorCode: 'TARGETING_KEY_MISSING',
    });
    expect(await client.getBooleanDetails('reasons', false, { targetingKey: 'u' })).toMatchObject({
      value: false,
      errorCode: 'TYPE_MISMATCH',
    });
    expect(await client.getStringDetails('nope', 'x', { targetingKey: 'u' })).toMatchObject({
      value: 'x',
      errorCode: 'FLAG_NOT_FOUND',
    });

    const changes: EventDetails[] = [];
    client.addHandler(ProviderEvents.ConfigurationChanged, (details) => void changes.push(details!));
    await live.put({ ...flag, isEnabled: false });
    await expect.poll(() => changes.length).toBeGreaterThan(0);
    expect(changes[0]!.flagsChanged).toEqual(['reasons']);
    expect(await client.getStringDetails('reasons', 'x', { targetingKey: 'vip' })).toMatchObject({
      value: 'off-value',
      variant: 'v-off',
      reason: 'DISABLED',
    });
  });

  it('leaves the variant out for a client it did not build, and forwards track', async () => {
    const bootstrap = JSON.stringify({
      messageType: 'data-sync',
      data: { eventType: 'full', featureFlags: [{ ...flag, updatedAt: new Date().toISOString() }], segments: [] },
    });
    const client = new FbClientBuilder().offline(true).logLevel('none').useJsonBootstrapProvider(bootstrap).build();
    const tracked: unknown[] = [];
    const track = client.track.bind(client);
    client.track = (user, name, value) => {
      tracked.push([user.key, name, value]);
      track(user, name, value);
    };
    const provider = new FeatBitServerProvider({ client });
    await OpenFeature.setProviderAndWait('featbit-client', provider);
    const details = await OpenFeature.getClient('featbit-client').getStringDetails('reasons', 'x', {
      targetingKey: 'u',
    });
    expect(details).toMatchObject({ value: 'default-value', reason: 'DEFAULT' });
    expect(details.variant).toBeUndefined();
    OpenFeature.getClient('featbit-client').track('converted', { targetingKey: 'u' }, { value: 3 });
    expect(tracked).toEqual([['u', 'converted', 3]]);
  });
});

describe('web gate forwarding', () => {
  it('keeps onContextChange synchronous when the inner one is, and forwards its promise otherwise', async () => {
    const sync = new FeatgateWebProvider(new WebInMemoryProvider({}), {
      source: new StaticManifestSource(),
      publicKeys: [],
      envId: 'env-web',
    });
    expect(sync.onContextChange({}, { targetingKey: 'a' })).toBeUndefined();
    const pending = Promise.resolve();
    const asyncInner = Object.assign(new WebInMemoryProvider({}), {
      onContextChange: (_old: WebContext, _new: WebContext) => pending,
    });
    const wrapped = new FeatgateWebProvider(asyncInner, {
      source: new StaticManifestSource(),
      publicKeys: [],
      envId: 'env-web',
    });
    expect(wrapped.onContextChange({}, { targetingKey: 'a' })).toBe(pending);
    expect(wrapped.runsOn).toBe('client');
  });
});
