import type { EvaluationContext, EvaluationDetails, FlagValue, JsonValue } from '@openfeature/core';
import * as server from '@openfeature/server-sdk';
import * as web from '@openfeature/web-sdk';
import type { JWK } from 'jose';
import { FeatgateServerProvider, FeatgateWebProvider, StaticManifestSource } from '../../../../provider/index.js';
import type { SpecFlag } from './spec-flags.js';
import { SpecServerProvider, SpecWebProvider, SpecProviderState } from './spec-flags-provider.js';

/** The value types the suites name (`a <type>-flag`). */
export enum SpecFlagType {
  Boolean = 'Boolean',
  String = 'String',
  Integer = 'Integer',
  Float = 'Float',
  Object = 'Object',
}

/** The context levels of contextMerging.feature, lowest precedence first. */
export enum ContextLevel {
  Api = 'API',
  Transaction = 'Transaction',
  Client = 'Client',
  Invocation = 'Invocation',
  BeforeHooks = 'Before Hooks',
}

/** A hook as both SDKs accept it: every stage optional, `before` may return a context (server only uses it). */
export interface SpecHook {
  before?(hookContext: { readonly flagKey: string; readonly context: EvaluationContext }): EvaluationContext | void;
  after?(hookContext: { readonly flagKey: string }, details: EvaluationDetails<FlagValue>): void;
  error?(hookContext: { readonly flagKey: string }, error: unknown): void;
  finally?(hookContext: { readonly flagKey: string }, details: EvaluationDetails<FlagValue>): void;
}

/** One evaluation a step asks for (with the scenario's context and hooks, undefined while a step set none). */
export interface SpecEvaluation {
  readonly type: SpecFlagType;
  readonly key: string;
  readonly defaultValue: FlagValue;
  readonly context?: EvaluationContext | undefined;
  readonly hooks?: readonly SpecHook[] | undefined;
}

/** The registered provider, as the steps reach it. */
export interface RegisteredSpecProvider {
  readonly contexts: EvaluationContext[];
}

/** One SDK (server or web), bare or behind the gate, as the step definitions drive it. */
export interface SdkUnderTest {
  readonly name: string;
  readonly platform: 'server' | 'web';
  register(domain: string, state: SpecProviderState): Promise<RegisteredSpecProvider>;
  status(domain: string): string;
  addClientHook(domain: string, hook: SpecHook): void;
  /** Evaluates with details; `started` is called with what the client call returned before it settled. */
  evaluate(
    domain: string,
    evaluation: SpecEvaluation,
    started?: (returned: unknown) => void,
  ): Promise<EvaluationDetails<FlagValue>>;
  /** contextMerging.feature: evaluates a flag with a context entry at each named level (server only). */
  evaluateWithLevels?(domain: string, levels: ReadonlyMap<ContextLevel, EvaluationContext>): Promise<void>;
  /** Forgets what a scenario left behind (global context). */
  reset(): Promise<void>;
}

/** How a gated variant wraps the inner provider: the manifest approving the spec flags and its key. */
export interface GateSetup {
  readonly jws: string;
  readonly publicKey: JWK;
  readonly envId: string;
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/** The server SDK (`@openfeature/server-sdk`), the spec provider bare or wrapped by `FeatgateServerProvider`. */
export function serverSdk(flags: Record<string, SpecFlag>, gate?: GateSetup): SdkUnderTest {
  // one client per domain: getClient makes a new client (without its hooks and context) on every call
  const clients = new Map<string, server.Client>();
  const client = (domain: string) =>
    clients.get(domain) ?? clients.set(domain, server.OpenFeature.getClient(domain)).get(domain)!;
  return {
    name: `server ${gate ? 'gated' : 'bare'}`,
    platform: 'server',
    async register(domain, state) {
      const inner = new SpecServerProvider(flags, state);
      const provider: server.Provider = gate
        ? new FeatgateServerProvider(inner, {
            source: new StaticManifestSource(gate.jws),
            publicKeys: [gate.publicKey],
            envId: gate.envId,
            initTimeoutMs: 2_000,
          })
        : inner;
      if (state === SpecProviderState.NotReady) server.OpenFeature.setProvider(domain, provider);
      else await server.OpenFeature.setProviderAndWait(domain, provider).catch(() => undefined);
      if (state === SpecProviderState.Stale) {
        inner.goStale();
        await tick();
      }
      return inner;
    },
    status: (domain) => client(domain).providerStatus,
    addClientHook: (domain, hook) => void client(domain).addHooks(hook as server.Hook),
    evaluate(domain, { type, key, defaultValue, context, hooks }, started) {
      const options = hooks ? { hooks: hooks as server.Hook[] } : undefined;
      const c = client(domain);
      const call = (() => {
        switch (type) {
          case SpecFlagType.Boolean:
            return c.getBooleanDetails(key, defaultValue as boolean, context, options);
          case SpecFlagType.String:
            return c.getStringDetails(key, defaultValue as string, context, options);
          case SpecFlagType.Integer:
          case SpecFlagType.Float:
            return c.getNumberDetails(key, defaultValue as number, context, options);
          case SpecFlagType.Object:
            return c.getObjectDetails(key, defaultValue as JsonValue, context, options);
        }
      })() as Promise<EvaluationDetails<FlagValue>>;
      started?.(call);
      return call;
    },
    async evaluateWithLevels(domain, levels) {
      server.OpenFeature.setContext(levels.get(ContextLevel.Api) ?? {});
      client(domain).setContext(levels.get(ContextLevel.Client) ?? {});
      const beforeHook: server.Hook = { before: () => levels.get(ContextLevel.BeforeHooks) ?? {} };
      await new Promise<void>((resolve, reject) =>
        server.OpenFeature.setTransactionContext(levels.get(ContextLevel.Transaction) ?? {}, () => {
          client(domain)
            .getBooleanValue('boolean-flag', false, levels.get(ContextLevel.Invocation) ?? {}, { hooks: [beforeHook] })
            .then(() => resolve(), reject);
        }),
      );
    },
    async reset() {
      server.OpenFeature.setContext({});
    },
  };
}

/**
 * The web SDK (`@openfeature/web-sdk`), the spec provider bare or wrapped by `FeatgateWebProvider`. Its static
 * context paradigm has no invocation context: a scenario's context is set on the domain before evaluating.
 */
export function webSdk(flags: Record<string, SpecFlag>, gate?: GateSetup): SdkUnderTest {
  const clients = new Map<string, web.Client>();
  const client = (domain: string) =>
    clients.get(domain) ?? clients.set(domain, web.OpenFeature.getClient(domain)).get(domain)!;
  return {
    name: `web ${gate ? 'gated' : 'bare'}`,
    platform: 'web',
    async register(domain, state) {
      const inner = new SpecWebProvider(flags, state);
      const provider: web.Provider = gate
        ? new FeatgateWebProvider(inner, {
            source: new StaticManifestSource(gate.jws),
            publicKeys: [gate.publicKey],
            envId: gate.envId,
            initTimeoutMs: 2_000,
          })
        : inner;
      if (state === SpecProviderState.NotReady) web.OpenFeature.setProvider(domain, provider);
      else await web.OpenFeature.setProviderAndWait(domain, provider).catch(() => undefined);
      if (state === SpecProviderState.Stale) {
        inner.goStale();
        await tick();
      }
      return inner;
    },
    status: (domain) => client(domain).providerStatus,
    addClientHook: (domain, hook) => void client(domain).addHooks(hook as web.Hook),
    async evaluate(domain, { type, key, defaultValue, context, hooks }, started) {
      if (context) await web.OpenFeature.setContext(domain, context);
      const options = hooks ? { hooks: hooks as web.Hook[] } : undefined;
      const c = client(domain);
      const details = (() => {
        switch (type) {
          case SpecFlagType.Boolean:
            return c.getBooleanDetails(key, defaultValue as boolean, options);
          case SpecFlagType.String:
            return c.getStringDetails(key, defaultValue as string, options);
          case SpecFlagType.Integer:
          case SpecFlagType.Float:
            return c.getNumberDetails(key, defaultValue as number, options);
          case SpecFlagType.Object:
            return c.getObjectDetails(key, defaultValue as JsonValue, options);
        }
      })() as EvaluationDetails<FlagValue>;
      started?.(details);
      return details;
    },
    async reset() {
      await web.OpenFeature.setContext({});
    },
  };
}
