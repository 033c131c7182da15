import {
  AsyncLocalStorageTransactionContextPropagator,
  InMemoryProvider,
  OpenFeature,
  ProviderEvents,
  ProviderFatalError,
  type EvaluationContext,
  type Hook,
  type JsonValue,
  type Provider,
} from '@openfeature/server-sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FeatBitFlag } from '../../../src/featbit/model/index.js';
import { FeatgateServerProvider, StaticManifestSource } from '../../../provider/index.js';
import { approvedState, featBitFlag, signedManifest, testSigningKey } from './gate-fixtures.js';

/** The OpenFeature specification's flag set (spec `test-flags.json`, evaluation.feature) plus a context echo. */
function specFlags(seenContexts: EvaluationContext[]) {
  return {
    'boolean-flag': { variants: { on: true, off: false }, defaultVariant: 'on', disabled: false },
    'string-flag': { variants: { greeting: 'hi', parting: 'bye' }, defaultVariant: 'greeting', disabled: false },
    'integer-flag': { variants: { one: 1, ten: 10 }, defaultVariant: 'ten', disabled: false },
    'float-flag': { variants: { tenth: 0.1, half: 0.5 }, defaultVariant: 'half', disabled: false },
    'object-flag': {
      variants: { empty: {}, template: { showImages: true, title: 'Check out these pics!', imagesPerPage: 100 } },
      defaultVariant: 'template',
      disabled: false,
    },
    'context-aware': {
      variants: { internal: 'INTERNAL', external: 'EXTERNAL' },
      defaultVariant: 'external',
      disabled: false,
      contextEvaluator: (context: EvaluationContext) => (context['customer'] === false ? 'internal' : 'external'),
    },
    'wrong-flag': { variants: { one: 'uno', two: 'dos' }, defaultVariant: 'one', disabled: false },
    'context-echo': {
      variants: { seen: 'seen' },
      defaultVariant: 'seen',
      disabled: false,
      contextEvaluator: (context: EvaluationContext) => {
        seenContexts.push(context);
        return 'seen';
      },
    },
    'boolean-zero-flag': { variants: { zero: false }, defaultVariant: 'zero', disabled: false },
    'string-zero-flag': { variants: { zero: '' }, defaultVariant: 'zero', disabled: false },
    'integer-zero-flag': { variants: { zero: 0 }, defaultVariant: 'zero', disabled: false },
    'float-zero-flag': { variants: { zero: 0.0 }, defaultVariant: 'zero', disabled: false },
    'object-zero-flag': { variants: { zero: {} }, defaultVariant: 'zero', disabled: false },
    ...Object.fromEntries(TARGETED_ZERO.map(([key, , zero, nonZero]) => [key, targetedZero(zero, nonZero)])),
    'string-disabled-flag': { variants: { on: 'hi' }, defaultVariant: 'on', disabled: true },
  };
}

/** evaluation_v2's targeted zero-value flags: `[key, FeatBit type, zero value, other value]`. */
const TARGETED_ZERO: Array<[string, string, JsonValue, JsonValue]> = [
  ['boolean-targeted-zero-flag', 'boolean', false, true],
  ['string-targeted-zero-flag', 'string', '', 'str'],
  ['integer-targeted-zero-flag', 'number', 0, 1],
  ['object-targeted-zero-flag', 'json', {}, { a: 1 }],
];

/** A flag whose zero variant goes to contexts with a macrosoft.com email (evaluation_v2 `*-targeted-zero-flag`). */
function targetedZero(zero: JsonValue, nonZero: JsonValue) {
  return {
    variants: { zero, nonZero },
    defaultVariant: 'nonZero',
    disabled: false,
    contextEvaluator: (context: EvaluationContext) =>
      String(context['email'] ?? '').endsWith('@macrosoft.com') ? 'zero' : 'nonZero',
  };
}

/** The same flags as FeatBit flags whose approved configuration serves exactly what the in-memory provider serves. */
function approvedMirror(): FeatBitFlag[] {
  const plain = (key: string, type: string, variants: Record<string, string>, served: string): FeatBitFlag =>
    featBitFlag({
      key,
      variationType: type,
      variations: Object.entries(variants).map(([id, value]) => ({ id, name: id, value })),
      disabledVariationId: served,
      fallthrough: { variations: [{ id: served, rollout: [0, 1] }] },
    });
  return [
    plain('boolean-flag', 'boolean', { on: 'true', off: 'false' }, 'on'),
    plain('string-flag', 'string', { greeting: 'hi', parting: 'bye' }, 'greeting'),
    plain('integer-flag', 'number', { one: '1', ten: '10' }, 'ten'),
    plain('float-flag', 'number', { tenth: '0.1', half: '0.5' }, 'half'),
    plain(
      'object-flag',
      'json',
      { empty: '{}', template: '{"showImages":true,"title":"Check out these pics!","imagesPerPage":100}' },
      'template',
    ),
    {
      ...plain('context-aware', 'string', { internal: 'INTERNAL', external: 'EXTERNAL' }, 'external'),
      rules: [
        {
          id: 'customers-are-external',
          name: 'not a customer',
          dispatchKey: null,
          includedInExpt: false,
          conditions: [{ property: 'customer', op: 'IsFalse', value: 'IsFalse' }],
          variations: [{ id: 'internal', rollout: [0, 1], exptRollout: 1 }],
        },
      ],
    },
    plain('wrong-flag', 'string', { one: 'uno', two: 'dos' }, 'one'),
    plain('context-echo', 'string', { seen: 'seen' }, 'seen'),
    plain('boolean-zero-flag', 'boolean', { zero: 'false' }, 'zero'),
    plain('string-zero-flag', 'string', { zero: '' }, 'zero'),
    plain('integer-zero-flag', 'number', { zero: '0' }, 'zero'),
    plain('float-zero-flag', 'number', { zero: '0.0' }, 'zero'),
    plain('object-zero-flag', 'json', { zero: '{}' }, 'zero'),
    ...TARGETED_ZERO.map(([key, type, zero, nonZero]) => {
      const text = (value: JsonValue) => (typeof value === 'string' ? value : JSON.stringify(value));
      return {
        ...plain(key, type, { zero: text(zero), nonZero: text(nonZero) }, 'nonZero'),
        rules: [
          {
            id: 'macrosoft',
            name: 'macrosoft.com emails',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [{ property: 'email', op: 'EndsWith', value: '@macrosoft.com' }],
            variations: [{ id: 'zero', rollout: [0, 1] as [number, number], exptRollout: 1 }],
          },
        ],
      };
    }),
    { ...plain('string-disabled-flag', 'string', { on: 'hi' }, 'on'), isEnabled: false },
  ];
}

type Evaluate = (client: ReturnType<typeof OpenFeature.getClient>) => Promise<unknown>;

/** Evaluation scenarios of the specification's evaluation.feature, as `[name, evaluation]`. */
const evaluationScenarios: Array<[string, Evaluate]> = [
  ['resolves boolean value', (c) => c.getBooleanValue('boolean-flag', false)],
  ['resolves string value', (c) => c.getStringValue('string-flag', 'bye')],
  ['resolves integer value', (c) => c.getNumberValue('integer-flag', 1)],
  ['resolves float value', (c) => c.getNumberValue('float-flag', 0.1)],
  ['resolves object value', (c) => c.getObjectValue('object-flag', {})],
  ['resolves boolean details', (c) => c.getBooleanDetails('boolean-flag', false)],
  ['resolves string details', (c) => c.getStringDetails('string-flag', 'bye')],
  ['resolves integer details', (c) => c.getNumberDetails('integer-flag', 1)],
  ['resolves float details', (c) => c.getNumberDetails('float-flag', 0.1)],
  ['resolves object details', (c) => c.getObjectDetails('object-flag', {})],
  [
    'resolves a value from the context',
    (c) =>
      c.getStringDetails('context-aware', 'EXTERNAL', { fn: 'Sulisław', ln: 'Świętopełk', age: 29, customer: false }),
  ],
  ['resolves the default branch without context', (c) => c.getStringDetails('context-aware', 'EXTERNAL', {})],
  ['flag not found gives the default with FLAG_NOT_FOUND', (c) => c.getStringDetails('missing-flag', 'uh-oh')],
  ['type mismatch gives the default with TYPE_MISMATCH', (c) => c.getNumberDetails('wrong-flag', 13)],
  [
    'resolves zero values (evaluation_v2)',
    (c) =>
      Promise.all([
        c.getBooleanDetails('boolean-zero-flag', true),
        c.getStringDetails('string-zero-flag', 'hi'),
        c.getNumberDetails('integer-zero-flag', 1),
        c.getNumberDetails('float-zero-flag', 0.1),
        c.getObjectDetails('object-zero-flag', { a: 1 }),
      ]),
  ],
  [
    'resolves targeted zero values for a matching context',
    (c) => targetedDetails(c, { email: 'ballmer@macrosoft.com' }),
  ],
  [
    'resolves targeted values for a context that does not match',
    (c) => targetedDetails(c, { email: 'ballmer@none.com' }),
  ],
  ['resolves targeted values with an empty context', (c) => targetedDetails(c, {})],
  ['resolves targeted values with a null context value', (c) => targetedDetails(c, { email: null })],
  [
    'targets on several context attributes',
    (c) =>
      c.getStringDetails('context-aware', 'false', {
        email: 'ballmer@macrosoft.com',
        role: 'admin',
        age: 65,
        customer: false,
      }),
  ],
  [
    'type mismatch for every requested type gives the default with TYPE_MISMATCH',
    (c) =>
      Promise.all([
        c.getStringDetails('boolean-flag', 'bye'),
        c.getBooleanDetails('string-flag', false),
        c.getNumberDetails('string-flag', 1),
        c.getObjectDetails('string-flag', {}),
      ]),
  ],
];

function targetedDetails(client: ReturnType<typeof OpenFeature.getClient>, context: EvaluationContext) {
  return Promise.all([
    client.getBooleanDetails('boolean-targeted-zero-flag', true, context),
    client.getStringDetails('string-targeted-zero-flag', 'hi', context),
    client.getNumberDetails('integer-targeted-zero-flag', 1, context),
    client.getObjectDetails('object-targeted-zero-flag', { a: 1 }, context),
  ]);
}

/** evaluation_v2 provider states: not ready, error, fatal and stale, each with what an evaluation then gives. */
async function statusScenarios(wrap: (inner: Provider) => Provider, label: string): Promise<unknown[]> {
  const evaluate = (domain: string) => OpenFeature.getClient(domain).getStringDetails('string-flag', 'bye');
  const status = (domain: string) => OpenFeature.getClient(domain).providerStatus;
  const failing = (failure: Error) =>
    Object.assign(new InMemoryProvider(specFlags([])), { initialize: () => Promise.reject(failure) });
  const results: unknown[] = [];

  const notReady = Object.assign(new InMemoryProvider(specFlags([])), {
    initialize: () => new Promise<void>(() => {}),
  });
  OpenFeature.setProvider(`${label}-not-ready`, wrap(notReady));
  results.push(['not ready', status(`${label}-not-ready`), await evaluate(`${label}-not-ready`)]);

  for (const [name, failure] of [
    ['error', new Error('inner provider failed to start')],
    ['fatal', new ProviderFatalError('inner provider cannot ever start')],
  ] as const) {
    const domain = `${label}-${name}`;
    const thrown = await OpenFeature.setProviderAndWait(domain, wrap(failing(failure))).then(
      () => undefined,
      (error: unknown) => error,
    );
    results.push([name, thrown === failure, status(domain), await evaluate(domain)]);
  }

  const stale = new InMemoryProvider(specFlags([]));
  await OpenFeature.setProviderAndWait(`${label}-stale`, wrap(stale));
  stale.events.emit(ProviderEvents.Stale, { message: 'cache is old' });
  results.push(['stale', status(`${label}-stale`), await evaluate(`${label}-stale`)]);
  return results;
}

/** Hook scenarios of hooks.feature: every stage with what it receives. */
async function hookScenario(
  client: ReturnType<typeof OpenFeature.getClient>,
  flagKey: string,
  read: 'boolean' | 'number',
) {
  const stages: unknown[] = [];
  const hook: Hook = {
    before: (hookContext) => void stages.push(['before', hookContext.flagKey, hookContext.defaultValue]),
    after: (_hookContext, details) => void stages.push(['after', details]),
    error: (_hookContext, error) => void stages.push(['error', (error as { code?: string }).code]),
    finally: (_hookContext, details) => void stages.push(['finally', details]),
  };
  if (read === 'boolean') await client.getBooleanDetails(flagKey, false, {}, { hooks: [hook] });
  else await client.getNumberDetails(flagKey, 0, {}, { hooks: [hook] });
  return stages;
}

/** contextMerging.feature: API < transaction < client < invocation < before hooks, with the context object kept. */
async function mergingScenario(client: ReturnType<typeof OpenFeature.getClient>, seen: EvaluationContext[]) {
  const levels = ['api', 'transaction', 'client', 'invocation', 'hook'];
  const layer = (level: string): EvaluationContext => ({
    [level]: level,
    overlap: level,
    targetingKey: `${level}-key`,
  });
  let hookSaw: EvaluationContext | undefined;
  OpenFeature.setContext(layer('api'));
  client.setContext(layer('client'));
  const hook: Hook = {
    before: (hookContext) => {
      hookSaw = hookContext.context;
      return layer('hook');
    },
  };
  seen.length = 0;
  await new Promise<void>((resolve, reject) =>
    OpenFeature.setTransactionContext(layer('transaction'), () => {
      client.getStringValue('context-echo', 'x', layer('invocation'), { hooks: [hook] }).then(() => resolve(), reject);
    }),
  );
  const received = seen[0]!;
  const result = {
    levels: levels.map((level) => received[level]),
    overlap: received['overlap'],
    key: received.targetingKey,
    frozen: Object.isFrozen(received),
    sameAsHook: received === hookSaw,
  };
  OpenFeature.setContext({});
  client.setContext({});
  return result;
}

async function runSuite(provider: Provider, seen: EvaluationContext[], domain: string): Promise<unknown[]> {
  await OpenFeature.setProviderAndWait(domain, provider);
  const client = OpenFeature.getClient(domain);
  const results: unknown[] = [];
  for (const [name, evaluate] of evaluationScenarios) results.push([name, await evaluate(client)]);
  results.push(['hooks on success', await hookScenario(client, 'boolean-flag', 'boolean')]);
  results.push(['hooks on a missing flag', await hookScenario(client, 'missing-flag', 'boolean')]);
  results.push(['hooks on a type mismatch', await hookScenario(client, 'wrong-flag', 'number')]);
  results.push(['context merging', await mergingScenario(client, seen)]);
  return results;
}

describe('the gate is transparent when the manifest approves what the provider serves', () => {
  let bare: unknown[];
  let gated: unknown[];
  let bareStatuses: unknown[];
  let gatedStatuses: unknown[];
  let gatedDisabled: unknown;
  let bareDisabled: unknown;

  beforeAll(async () => {
    OpenFeature.setTransactionContextPropagator(new AsyncLocalStorageTransactionContextPropagator());
    const key = await testSigningKey();
    const { jws } = await signedManifest(
      key,
      'spec-env',
      approvedMirror().map((flag) => approvedState('spec-env', flag, flag.fallthrough.variations[0]!.id)),
    );
    const bareSeen: EvaluationContext[] = [];
    bare = await runSuite(new InMemoryProvider(specFlags(bareSeen)), bareSeen, 'bare');
    const gatedSeen: EvaluationContext[] = [];
    const gate = new FeatgateServerProvider(new InMemoryProvider(specFlags(gatedSeen)), {
      source: new StaticManifestSource(jws),
      publicKeys: [key.publicJwk],
      envId: 'spec-env',
    });
    gated = await runSuite(gate, gatedSeen, 'gated');
    expect(gate.stats().gated).toEqual({ 'variation-not-approved': 0, 'outside-grant': 0, 'manifest-expired': 0 });
    const gateOf = (inner: Provider) =>
      new FeatgateServerProvider(inner, {
        source: new StaticManifestSource(jws),
        publicKeys: [key.publicJwk],
        envId: 'spec-env',
      });
    bareStatuses = await statusScenarios((inner) => inner, 'bare');
    gatedStatuses = await statusScenarios(gateOf, 'gated');
    bareDisabled = await OpenFeature.getClient('bare').getStringDetails('string-disabled-flag', 'bye');
    gatedDisabled = await OpenFeature.getClient('gated').getStringDetails('string-disabled-flag', 'bye');
  });

  afterAll(async () => {
    await OpenFeature.clearProviders();
  });

  const names = [
    ...evaluationScenarios.map(([name]) => name),
    'hooks on success',
    'hooks on a missing flag',
    'hooks on a type mismatch',
    'context merging',
  ];
  it.each(names.map((name, index) => [name, index] as const))('%s: identical bare and gated', (_name, index) => {
    expect(gated[index]).toEqual(bare[index]);
  });

  it('gives identical provider states and results bare and gated: not ready, error, fatal, stale', () => {
    expect(gatedStatuses).toEqual(bareStatuses);
    expect(bareStatuses).toMatchObject([
      ['not ready', 'NOT_READY', { value: 'bye', errorCode: 'PROVIDER_NOT_READY' }],
      ['error', true, 'ERROR', { value: 'hi', reason: 'STATIC' }],
      ['fatal', true, 'FATAL', { value: 'bye', errorCode: 'PROVIDER_FATAL' }],
      ['stale', 'STALE', { value: 'hi', reason: 'STATIC' }],
    ]);
  });

  it('passes a disabled flag carrying the caller default through unchanged, as bare', () => {
    expect(bareDisabled).toMatchObject({ value: 'bye', reason: 'DISABLED' });
    expect(gatedDisabled).toEqual(bareDisabled);
  });

  it('gives the specification results on the bare provider (so the comparison means something)', () => {
    const byName = new Map(bare as Array<[string, unknown]>);
    expect(byName.get('resolves boolean value')).toBe(true);
    expect(byName.get('resolves object value')).toEqual({
      showImages: true,
      title: 'Check out these pics!',
      imagesPerPage: 100 as JsonValue,
    });
    expect(byName.get('resolves string details')).toMatchObject({ value: 'hi', variant: 'greeting', reason: 'STATIC' });
    expect(byName.get('resolves a value from the context')).toMatchObject({ value: 'INTERNAL', variant: 'internal' });
    expect(byName.get('flag not found gives the default with FLAG_NOT_FOUND')).toMatchObject({
      value: 'uh-oh',
      errorCode: 'FLAG_NOT_FOUND',
    });
    expect(byName.get('type mismatch gives the default with TYPE_MISMATCH')).toMatchObject({
      value: 13,
      errorCode: 'TYPE_MISMATCH',
    });
    expect(byName.get('resolves zero values (evaluation_v2)')).toMatchObject(
      [false, '', 0, 0, {}].map((value) => ({ value, reason: 'STATIC' })),
    );
    expect(byName.get('resolves targeted zero values for a matching context')).toMatchObject(
      [false, '', 0, {}].map((value) => ({ value, variant: 'zero' })),
    );
    expect(byName.get('resolves targeted values with a null context value')).toMatchObject(
      [true, 'str', 1, { a: 1 }].map((value) => ({ value, variant: 'nonZero' })),
    );
    expect(byName.get('type mismatch for every requested type gives the default with TYPE_MISMATCH')).toMatchObject(
      ['bye', false, 1, {}].map((value) => ({ value, errorCode: 'TYPE_MISMATCH' })),
    );
    expect(byName.get('context merging')).toEqual({
      levels: ['api', 'transaction', 'client', 'invocation', 'hook'],
      overlap: 'hook',
      key: 'hook-key',
      frozen: true,
      sameAsHook: true,
    });
  });
});
