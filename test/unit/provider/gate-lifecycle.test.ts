import {
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderStatus,
  type EvaluationContext,
  type Logger,
  type Provider,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FeatgateServerProvider, StaticManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-lifecycle';
const key = await testSigningKey();
const tone = featBitFlag({
  key: 'tone',
  variationType: 'string',
  variations: [{ id: 'calm', name: 'calm', value: 'calm' }],
  disabledVariationId: 'calm',
  fallthrough: { variations: [{ id: 'calm', rollout: [0, 1] }] },
});
const { jws } = await signedManifest(key, ENV, [approvedState(ENV, tone, 'calm')]);
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };
let domains = 0;

/** An inner provider that records its lifecycle calls. */
class LifecycleProvider extends InMemoryProvider {
  readonly calls: string[] = [];
  domainScoped?: boolean;

  constructor() {
    super({ tone: { variants: { calm: 'calm' }, defaultVariant: 'calm', disabled: false } });
  }

  async initialize(_context?: EvaluationContext, domain?: string): Promise<void> {
    this.calls.push(`initialize ${domain ?? ''}`.trim());
  }

  async onClose(): Promise<void> {
    this.calls.push('close');
  }

  track(name: string, _context: EvaluationContext, _details: TrackingEventDetails): void {
    this.calls.push(`track ${name}`);
    throw new Error('event queue full');
  }
}

type Wrap = (inner: LifecycleProvider) => Provider;
const bare: Wrap = (inner) => inner;
const gated: Wrap = (inner) =>
  new FeatgateServerProvider(inner, {
    source: new StaticManifestSource(jws),
    publicKeys: [key.publicJwk],
    envId: ENV,
    logger: silent,
  });

const domain = (name: string) => `${name}-${(domains += 1)}`;
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

afterEach(async () => {
  await OpenFeature.clearProviders();
  OpenFeature.setLogger(silent);
});

/** One inner provider under two domains, then one domain switched to another provider, then the other. */
async function sharedInner(wrap: Wrap): Promise<string[]> {
  const inner = new LifecycleProvider();
  const [a, b] = [domain('shared-a'), domain('shared-b')];
  await OpenFeature.setProviderAndWait(a, wrap(inner));
  await OpenFeature.setProviderAndWait(b, wrap(inner));
  inner.calls.push(`status ${OpenFeature.getClient(a).providerStatus} ${OpenFeature.getClient(b).providerStatus}`);
  await OpenFeature.setProviderAndWait(a, new InMemoryProvider({}));
  await settle();
  inner.calls.push(`value ${await OpenFeature.getClient(b).getStringValue('tone', 'x')}`);
  await OpenFeature.setProviderAndWait(b, new InMemoryProvider({}));
  await settle();
  return inner.calls.map((call) => call.replace(a, 'A').replace(b, 'B'));
}

/** A provider registered, replaced, registered again and replaced again. */
async function reRegistered(wrap: Wrap): Promise<string[]> {
  const inner = new LifecycleProvider();
  const provider = wrap(inner);
  const name = domain('again');
  for (let round = 0; round < 2; round += 1) {
    await OpenFeature.setProviderAndWait(name, provider);
    await OpenFeature.setProviderAndWait(name, new InMemoryProvider({}));
    await settle();
  }
  return inner.calls.map((call) => call.replace(name, 'D'));
}

/** A domain-scoped inner provider bound to a second domain. */
async function domainScopedTwice(wrap: Wrap): Promise<unknown[]> {
  const inner = Object.assign(new LifecycleProvider(), { domainScoped: true });
  const [a, b] = [domain('scoped-a'), domain('scoped-b')];
  await OpenFeature.setProviderAndWait(a, wrap(inner));
  const second = await Promise.resolve()
    .then(() => OpenFeature.setProviderAndWait(b, wrap(inner)))
    .then(
      () => 'bound',
      (error: Error) => error.message,
    );
  return [second, OpenFeature.getClient(a).providerStatus, await OpenFeature.getClient(a).getStringValue('tone', 'x')];
}

/** A failing track: what the SDK logs. */
async function failingTrack(wrap: Wrap): Promise<unknown[]> {
  const logged: unknown[] = [];
  OpenFeature.setLogger({
    ...silent,
    debug: (message: unknown, error: unknown) => void logged.push([message, (error as Error | undefined)?.message]),
  });
  const inner = new LifecycleProvider();
  const name = domain('track');
  await OpenFeature.setProviderAndWait(name, wrap(inner));
  OpenFeature.getClient(name).track('rated', { targetingKey: 'u' }, { value: 1 });
  return [
    ...inner.calls.filter((call) => call.startsWith('track')),
    ...logged.filter((entry) => JSON.stringify(entry).includes('event queue full')),
  ];
}

describe('the gate keeps the lifecycle the SDK gives the bare provider', () => {
  it('initializes an inner provider shared by two domains once, and closes it only when the last domain lets go', async () => {
    const expected = await sharedInner(bare);
    expect(expected).toEqual([
      'initialize A',
      `status ${ProviderStatus.READY} ${ProviderStatus.READY}`,
      'value calm',
      'close',
    ]);
    expect(await sharedInner(gated)).toEqual(expected);
  });

  it('closes a re-registered provider again every time it is replaced', async () => {
    const expected = await reRegistered(bare);
    expect(expected).toEqual(['initialize D', 'close', 'initialize D', 'close']);
    expect(await reRegistered(gated)).toEqual(expected);
  });

  it('refuses to bind a domain-scoped inner provider to a second domain, leaving the first one serving', async () => {
    const expected = await domainScopedTwice(bare);
    expect(expected[0]).toMatch(/Cannot bind domain-scoped provider 'in-memory' to more than one domain/);
    expect(await domainScopedTwice(gated)).toEqual(expected);
  });

  it('leaves the same trace of a failing track: the SDK logs the inner error', async () => {
    const expected = await failingTrack(bare);
    expect(expected).toEqual(['track rated', ['Error recording tracking event.', 'event queue full']]);
    expect(await failingTrack(gated)).toEqual(expected);
  });

  it('never reports READY while no verified manifest is in force, even when the inner provider says Ready', async () => {
    const inner = new LifecycleProvider();
    const source = new StaticManifestSource();
    const gate = new FeatgateServerProvider(inner, {
      source,
      publicKeys: [key.publicJwk],
      envId: ENV,
      initTimeoutMs: 50,
      logger: silent,
    });
    const name = domain('no-manifest');
    await expect(OpenFeature.setProviderAndWait(name, gate)).rejects.toThrow(/no verified approval manifest/);
    const client = OpenFeature.getClient(name);
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    inner.events.emit(ProviderEvents.Ready, {});
    await settle();
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    expect((await client.getStringDetails('tone', 'x')).value).toBe('x');
    await source.update(jws);
    await expect.poll(() => client.providerStatus).toBe(ProviderStatus.READY);
    expect(await client.getStringDetails('tone', 'x')).toMatchObject({ value: 'calm', reason: 'STATIC' });
  });
});
