import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InMemoryProvider, OpenFeature, ProviderStatus } from '@openfeature/server-sdk';
import { InMemoryProvider as WebInMemoryProvider, OpenFeature as WebOpenFeature } from '@openfeature/web-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FeatgateServerProvider,
  FeatgateWebProvider,
  FileHighWaterMark,
  StaticManifestSource,
  StorageHighWaterMark,
} from '../../../provider/index.js';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-fresh';
const key = await testSigningKey();

function toneFlag(served: string) {
  return featBitFlag({
    key: 'tone',
    variationType: 'string',
    variations: [
      { id: 'calm', name: 'calm', value: 'calm' },
      { id: 'bold', name: 'bold', value: 'bold' },
    ],
    disabledVariationId: 'calm',
    fallthrough: { variations: [{ id: served, rollout: [0, 1] }] },
  });
}

// v1 approved "bold" for everyone; v2 withdrew it (baseline "calm" only). Both still within their lifetime.
const v1 = await signedManifest(key, ENV, [approvedState(ENV, toneFlag('bold'), 'bold', 1)], {
  issuedAt: new Date(Date.now() - 60_000),
});
const v2 = await signedManifest(key, ENV, [approvedState(ENV, toneFlag('calm'), 'calm', 2)]);
const innerFlags = { tone: { variants: { bold: 'bold' }, defaultVariant: 'bold', disabled: false } };

afterEach(async () => {
  await OpenFeature.clearProviders();
  await WebOpenFeature.clearProviders();
});

describe('a restarted gate refuses a manifest older than the newest it accepted before', () => {
  it('server gate with a file high-water mark: the replayed v1 is refused after a restart, v2 is accepted', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'featgate-mark-'));
    const path = join(dir, 'state', 'manifest-mark.json');
    const first = new FeatgateServerProvider(new InMemoryProvider(innerFlags), {
      source: new StaticManifestSource(v2.jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
      highWaterMark: new FileHighWaterMark(path),
    });
    await OpenFeature.setProviderAndWait('fresh-1', first);
    expect(await OpenFeature.getClient('fresh-1').getStringDetails('tone', 'x')).toMatchObject({
      value: 'calm',
      reason: 'UNAPPROVED',
    });
    await expect.poll(async () => (await new FileHighWaterMark(path).load())?.version).toBe(2);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await OpenFeature.clearProviders();

    // restart: an attacker between gate and service replays v1, which still verifies and has not expired
    const source = new StaticManifestSource(v1.jws);
    const restarted = new FeatgateServerProvider(new InMemoryProvider(innerFlags), {
      source,
      publicKeys: [key.publicJwk],
      envId: ENV,
      highWaterMark: new FileHighWaterMark(path),
      initTimeoutMs: 100,
    });
    await expect(OpenFeature.setProviderAndWait('fresh-2', restarted)).rejects.toThrow(/no verified approval manifest/);
    const client = OpenFeature.getClient('fresh-2');
    expect(await client.getStringDetails('tone', 'x')).toMatchObject({ value: 'x', errorCode: 'PROVIDER_NOT_READY' });
    expect(restarted.stats()).toMatchObject({ manifestsAccepted: 0, manifestsRefused: 1 });

    await source.update(v2.jws);
    await expect.poll(() => client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringDetails('tone', 'x')).toMatchObject({ value: 'calm', reason: 'UNAPPROVED' });
  });

  it('web gate with a localStorage mark does the same', async () => {
    const entries = new Map<string, string>();
    const storage = {
      getItem: (name: string) => entries.get(name) ?? null,
      setItem: (name: string, value: string) => void entries.set(name, value),
    };
    const first = new FeatgateWebProvider(new WebInMemoryProvider(innerFlags), {
      source: new StaticManifestSource(v2.jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
      highWaterMark: new StorageHighWaterMark(storage),
    });
    await WebOpenFeature.setProviderAndWait('web-fresh-1', first);
    await expect.poll(() => entries.size).toBe(1);
    await WebOpenFeature.clearProviders();
    const restarted = new FeatgateWebProvider(new WebInMemoryProvider(innerFlags), {
      source: new StaticManifestSource(v1.jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
      highWaterMark: new StorageHighWaterMark(storage),
      initTimeoutMs: 100,
    });
    await expect(WebOpenFeature.setProviderAndWait('web-fresh-2', restarted)).rejects.toThrow(
      /no verified approval manifest/,
    );
    expect(WebOpenFeature.getClient('web-fresh-2').getStringDetails('tone', 'x')).toMatchObject({
      value: 'x',
      errorCode: 'PROVIDER_NOT_READY',
    });
  });

  it('without a mark, the same replay is accepted (what the mark is for)', async () => {
    const gate = new FeatgateServerProvider(new InMemoryProvider(innerFlags), {
      source: new StaticManifestSource(v1.jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await OpenFeature.setProviderAndWait('no-mark', gate);
    expect(await OpenFeature.getClient('no-mark').getStringDetails('tone', 'x')).toMatchObject({
      value: 'bold',
      reason: 'STATIC',
    });
  });
});
