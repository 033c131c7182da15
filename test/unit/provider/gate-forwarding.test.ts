import {
  ErrorCode,
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderFatalError,
  ProviderStatus,
  type EvaluationContext,
  type EvaluationDetails,
  type EventDetails,
  type FlagValue,
  type Hook,
  type Logger,
  type TrackingEventDetails,
} from '@openfeature/server-sdk';
import {
  InMemoryProvider as WebInMemoryProvider,
  OpenFeature as WebOpenFeature,
  ProviderStatus as WebProviderStatus,
  type Hook as WebHook,
} from '@openfeature/web-sdk';
import { afterEach, describe, expect, it } from 'vitest';
import { FeatgateServerProvider, FeatgateWebProvider, StaticManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

const ENV = 'env-forwarding';
const key = await testSigningKey();
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
const { jws } = await signedManifest(key, ENV, [approvedState(ENV, tone, 'calm')]);
/** FeatBit serves an edited value the manifest never approved. */
const editedTone = { tone: { variants: { edited: 'shout' }, defaultVariant: 'edited', disabled: false } };
const silent: Logger = { error() {}, warn() {}, info() {}, debug() {} };

/** An inner server provider that records what the gate forwards to it. */
class RecordingProvider extends InMemoryProvider {
  readonly calls: unknown[] = [];
  readonly hooks: Hook[] = [];
  domainScoped?: boolean;
  initFailure?: Error;
  trackFailure?: Error;

  async initialize(context?: EvaluationContext, domain?: string): Promise<void> {
    this.calls.push(['initialize', context, domain]);
    if (this.initFailure) throw this.initFailure;
  }

  async onClose(): Promise<void> {
    this.calls.push(['onClose']);
  }

  track(name: string, context: EvaluationContext, details: TrackingEventDetails): void {
    this.calls.push(['track', name, context, details]);
    if (this.trackFailure) throw this.trackFailure;
  }
}

function gateOver(inner: RecordingProvider, logger: Logger = silent): FeatgateServerProvider {
  return new FeatgateServerProvider(inner, {
    source: new StaticManifestSource(jws),
    publicKeys: [key.publicJwk],
    envId: ENV,
    logger,
  });
}

afterEach(async () => {
  await OpenFeature.clearProviders();
  await WebOpenFeature.clearProviders();
});

describe('server gate forwards what the OpenFeature checklist names', () => {
  it('names itself and its inner provider, and mirrors domainScoped', () => {
    const inner = new RecordingProvider(editedTone);
    expect(gateOver(inner).metadata).toEqual({ name: 'featgate-gate', inner: 'in-memory' });
    expect(gateOver(inner).domainScoped).toBe(false);
    inner.domainScoped = true;
    expect(gateOver(inner).domainScoped).toBe(true);
  });

  it('initializes the inner provider with the context and domain the SDK gives', async () => {
    const inner = new RecordingProvider(editedTone);
    OpenFeature.setContext({ region: 'eu' });
    await OpenFeature.setProviderAndWait('forward-init', gateOver(inner));
    OpenFeature.setContext({});
    expect(inner.calls).toEqual([['initialize', { region: 'eu' }, 'forward-init']]);
  });

  it('rethrows an inner initialize failure unchanged, so PROVIDER_FATAL makes the client fatal', async () => {
    const inner = new RecordingProvider(editedTone);
    inner.initFailure = new ProviderFatalError('FeatBit SDK key revoked');
    await expect(OpenFeature.setProviderAndWait('forward-fatal', gateOver(inner))).rejects.toBe(inner.initFailure);
    const client = OpenFeature.getClient('forward-fatal');
    expect(client.providerStatus).toBe(ProviderStatus.FATAL);
    expect(await client.getStringDetails('tone', 'x')).toMatchObject({
      value: 'x',
      errorCode: ErrorCode.PROVIDER_FATAL,
    });
  });

  it('runs the inner provider hooks, whose after stage sees the gated details', async () => {
    const inner = new RecordingProvider(editedTone);
    const seen: Array<[string, unknown]> = [];
    inner.hooks.push({
      before: (hookContext) => void seen.push(['before', hookContext.flagKey]),
      after: (_hookContext, details: EvaluationDetails<FlagValue>) =>
        void seen.push(['after', [details.value, details.reason]]),
    });
    await OpenFeature.setProviderAndWait('forward-hooks', gateOver(inner));
    expect(await OpenFeature.getClient('forward-hooks').getStringValue('tone', 'x')).toBe('calm');
    expect(seen).toEqual([
      ['before', 'tone'],
      ['after', ['calm', 'UNAPPROVED']],
    ]);
  });

  it('forwards track with the same context and details, and hands an inner failure to the SDK, which logs it as for the bare provider', async () => {
    const inner = new RecordingProvider(editedTone);
    const logged: unknown[][] = [];
    OpenFeature.setLogger({ ...silent, debug: (...args: unknown[]) => void logged.push(args) });
    await OpenFeature.setProviderAndWait('forward-track', gateOver(inner));
    const client = OpenFeature.getClient('forward-track');
    client.track('prompt-rated', { targetingKey: 'u-1' }, { value: 4 });
    const failure = new Error('FeatBit event queue full');
    inner.trackFailure = failure;
    expect(() => client.track('prompt-rated', { targetingKey: 'u-2' }, { value: 1 })).not.toThrow();
    expect(inner.calls.filter((call) => (call as unknown[])[0] === 'track')).toEqual([
      ['track', 'prompt-rated', { targetingKey: 'u-1' }, { value: 4 }],
      ['track', 'prompt-rated', { targetingKey: 'u-2' }, { value: 1 }],
    ]);
    expect(logged.some((args) => args.includes(failure))).toBe(true);
    OpenFeature.setLogger(silent);
  });

  it('closes the inner provider once however often it is closed', async () => {
    const inner = new RecordingProvider(editedTone);
    const gate = gateOver(inner);
    await OpenFeature.setProviderAndWait('forward-close', gate);
    await Promise.all([gate.onClose(), gate.onClose()]);
    await OpenFeature.clearProviders();
    expect(inner.calls.filter((call) => (call as unknown[])[0] === 'onClose')).toHaveLength(1);
  });

  it('re-emits the inner Stale, Error, Ready and ConfigurationChanged events with their details, so the SDK status follows', async () => {
    const inner = new RecordingProvider(editedTone);
    await OpenFeature.setProviderAndWait('forward-events', gateOver(inner));
    const client = OpenFeature.getClient('forward-events');
    const received: Array<[string, EventDetails | undefined]> = [];
    for (const event of [
      ProviderEvents.Stale,
      ProviderEvents.Error,
      ProviderEvents.Ready,
      ProviderEvents.ConfigurationChanged,
    ]) {
      client.addHandler(event, (details) => void received.push([event, details]));
    }
    await expect.poll(() => received.length).toBe(1);
    received.length = 0;
    inner.events.emit(ProviderEvents.Stale, { message: 'FeatBit stream lagging' });
    expect(client.providerStatus).toBe(ProviderStatus.STALE);
    inner.events.emit(ProviderEvents.Error, { message: 'FeatBit unreachable', errorCode: ErrorCode.GENERAL });
    expect(client.providerStatus).toBe(ProviderStatus.ERROR);
    inner.events.emit(ProviderEvents.Ready, {});
    expect(client.providerStatus).toBe(ProviderStatus.READY);
    inner.events.emit(ProviderEvents.ConfigurationChanged, { flagsChanged: ['tone'], metadata: { source: 'featbit' } });
    await expect.poll(() => received.length).toBe(4);
    expect(
      received.map(([event, details]) => [
        event,
        details?.message,
        details?.errorCode,
        details?.flagsChanged,
        details?.metadata,
      ]),
    ).toEqual([
      [ProviderEvents.Stale, 'FeatBit stream lagging', undefined, undefined, undefined],
      [ProviderEvents.Error, 'FeatBit unreachable', ErrorCode.GENERAL, undefined, undefined],
      [ProviderEvents.Ready, undefined, undefined, undefined, undefined],
      [ProviderEvents.ConfigurationChanged, undefined, undefined, ['tone'], { source: 'featbit' }],
    ]);
  });
});

describe('web gate', () => {
  it('decides synchronously from the manifest loaded in initialize, running the inner hooks', async () => {
    const seen: unknown[] = [];
    const hook: WebHook = { after: (_hookContext, details) => void seen.push([details.value, details.reason]) };
    const inner = Object.assign(new WebInMemoryProvider(editedTone), { hooks: [hook] });
    const gate = new FeatgateWebProvider(inner, {
      source: new StaticManifestSource(jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await WebOpenFeature.setProviderAndWait('web-gate', gate);
    const client = WebOpenFeature.getClient('web-gate');
    expect(client.providerStatus).toBe(WebProviderStatus.READY);
    const details = client.getStringDetails('tone', 'x');
    expect(details).toMatchObject({ value: 'calm', variant: 'calm', reason: 'UNAPPROVED' });
    expect(details.errorCode).toBeUndefined();
    expect(seen).toEqual([['calm', 'UNAPPROVED']]);
    expect(gate.metadata).toEqual({ name: 'featgate-web-gate', inner: 'in-memory' });
  });

  it('rethrows an inner initialize failure unchanged', async () => {
    const failure = new ProviderFatalError('bad client-side key');
    const inner = Object.assign(new WebInMemoryProvider(editedTone), {
      initialize: async () => Promise.reject(failure),
    });
    const gate = new FeatgateWebProvider(inner, {
      source: new StaticManifestSource(jws),
      publicKeys: [key.publicJwk],
      envId: ENV,
    });
    await expect(WebOpenFeature.setProviderAndWait('web-fatal', gate)).rejects.toBe(failure);
    expect(WebOpenFeature.getClient('web-fatal').providerStatus).toBe(WebProviderStatus.FATAL);
  });
});
