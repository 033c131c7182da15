import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../logging/index.js';
import { sendError } from './api-envelope.js';
import { FaultInjector, FaultTarget } from './fault-injector.js';
import { featBitFeatures } from './featbit-version.js';
import { auditLogRoutes } from './routes/audit-log-routes.js';
import { controlRoutes } from './routes/control-routes.js';
import { featureFlagRoutes } from './routes/feature-flag-routes.js';
import { authenticateAccessToken, envelopeErrorHandler } from './routes/request-context.js';
import { sdkRoutes, type InsightCounter } from './routes/sdk-routes.js';
import { segmentRoutes } from './routes/segment-routes.js';
import type { SandboxControl } from './sandbox-control.js';
import { guidRouteValue } from './routes/route-authorization.js';
import {
  SANDBOX_ORGANIZATION,
  SANDBOX_PROJECT,
  TokenRegistry,
  createEnvironment,
  type SandboxEnvironment,
  type TokenOptions,
} from './sandbox-identity.js';
import { SandboxStore } from './sandbox-store.js';
import { StreamingServer } from './streaming/index.js';
import { parseSeedDocument, type SeedData } from './seed.js';
import { resolveWebhookConfig, WebhookDispatcher, type WebhookConfigInput } from './webhooks/index.js';

/** How to start a sandbox. */
export interface SandboxOptions {
  /** TCP port; 0 (default) picks a free one. */
  readonly port?: number;
  /** Interface to bind; default loopback. */
  readonly host?: string;
  /** Seed documents (parsed JSON) or already parsed seed data. */
  readonly seeds?: readonly (SeedData | unknown)[];
  /**
   * Environments; default: one per envId found in the seeds (the first is the default environment and gets the
   * demo SDK secret), or a single default environment when seeds carry no envId.
   */
  readonly environments?: readonly { id?: string; name?: string; key?: string; sdkSecret?: string }[];
  /** Extra access tokens (each named after the operator it plays). */
  readonly tokens?: readonly ({ name: string } & TokenOptions)[];
  /**
   * The FeatBit release to behave like (default 5.4.2): older ones refuse targeting writes by access token
   * (< 5.3.3), have no revisions (< 5.2.2) or no audit-log API for tokens (< 5.0.1).
   */
  readonly featBitVersion?: string;
  /** Webhooks configured from the start. */
  readonly webhooks?: readonly WebhookConfigInput[];
  readonly logger?: Logger;
}

/** A running FeatBit sandbox. */
export interface Sandbox {
  /** Base URL, e.g. `http://127.0.0.1:5100`; the REST API, SDK endpoints and `/sandbox` control live here. */
  readonly url: string;
  /** Every environment; `envs[0]` is the default one. */
  readonly envs: readonly SandboxEnvironment[];
  /** Access tokens: `demo` plus `issue(name)` for operators such as `alice`. */
  readonly tokens: TokenRegistry;
  readonly control: SandboxControl;
  /** Stops listening, aborts webhook retries and drops open connections. */
  close(): Promise<void>;
}

function isSeedData(value: unknown): value is SeedData {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as SeedData).flags) &&
    Array.isArray((value as SeedData).segments)
  );
}

function planEnvironments(options: SandboxOptions, seeds: readonly SeedData[]): SandboxEnvironment[] {
  if (options.environments && options.environments.length > 0)
    return options.environments.map((env, index) => createEnvironment(env, index === 0));
  const seededIds = [
    ...new Set(
      seeds.flatMap((seed) =>
        [...seed.segments, ...seed.flags].map((item) => item.envId).filter((id): id is string => !!id),
      ),
    ),
  ];
  if (seededIds.length === 0) return [createEnvironment({}, true)];
  return seededIds.map((id, index) =>
    createEnvironment({ id, name: index === 0 ? 'Sandbox' : `Sandbox ${id.slice(0, 8)}` }, index === 0),
  );
}

/**
 * Starts an HTTP emulator of the FeatBit parts featgate touches: the REST API (`/api/v1`, access tokens with
 * FeatBit's permissions, envelope, revisions, audit logs), the server-SDK polling endpoint and `/streaming`
 * WebSocket, webhooks as FeatBit sends them, and fault injection (SDK faults refuse stream upgrades too). State
 * is in memory and lost on close.
 */
export async function createSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const seeds = (options.seeds ?? []).map((seed) => (isSeedData(seed) ? seed : parseSeedDocument(seed)));
  const envs = planEnvironments(options, seeds);
  const defaultEnv = envs[0]!;
  const tokens = new TokenRegistry();
  for (const token of options.tokens ?? []) tokens.issue(token.name, token);
  const dispatcher = new WebhookDispatcher(options.logger);
  const defaultScopes = [`${SANDBOX_PROJECT.id}/${envs.map((env) => env.id).join(',')}`];
  const store = new SandboxStore(envs, { organization: SANDBOX_ORGANIZATION, project: SANDBOX_PROJECT }, dispatcher);
  for (const seed of seeds) store.seed(seed, defaultEnv.id);
  for (const hook of options.webhooks ?? []) dispatcher.configure(resolveWebhookConfig(hook, defaultScopes));

  const features = featBitFeatures(options.featBitVersion);
  const faults = new FaultInjector();
  const streaming = new StreamingServer(store, envs, () => faults.takeFailure(FaultTarget.Sdk));
  const insights: InsightCounter = { requests: 0 };
  const host = options.host ?? '127.0.0.1';
  const sockets = new Set<Socket>();
  let port = options.port ?? 0;
  let reopenTimer: NodeJS.Timeout | undefined;
  let closed = false;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const dropListener = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
    });

  const control: SandboxControl = {
    store,
    configureWebhook: (input) => {
      const config = resolveWebhookConfig(input, defaultScopes);
      dispatcher.configure(config);
      return config;
    },
    removeWebhook: (id) => dispatcher.remove(id),
    webhooks: () => dispatcher.list(),
    deliveries: () => dispatcher.deliveries(),
    clearDeliveries: () => dispatcher.clearDeliveries(),
    webhooksIdle: () => dispatcher.idle(),
    failRequests: (span) => faults.fail(span),
    addLatency: (ms, span) => faults.delay(ms, span),
    dropWebhooks: (count) => dispatcher.dropNext(count),
    clearFaults: () => faults.clear(),
    seed: (document, options) =>
      store.seed(isSeedData(document) ? document : parseSeedDocument(document), defaultEnv.id, options),
    issueToken: (name, tokenOptions) => tokens.issue(name, tokenOptions),
    insightRequests: () => insights.requests,
    streamingConnections: () => streaming.connectionCount(),
    refuseConnections: async (forMs) => {
      if (closed || !server.listening) return;
      await dropListener();
      reopenTimer = setTimeout(() => {
        reopenTimer = undefined;
        if (!closed)
          void listen().catch((error: unknown) =>
            options.logger?.error({ err: error }, 'sandbox could not listen again'),
          );
      }, forMs);
    },
  };

  const app = express();
  app.set('etag', false);
  app.disable('x-powered-by');
  app.use(express.json({ limit: '5mb', strict: false }));
  app.use('/sandbox', controlRoutes(control, envs, tokens, features.version));
  app.use(async (req: Request, res: Response, next: NextFunction) => {
    const target = req.path.startsWith('/api/public') ? FaultTarget.Sdk : FaultTarget.Rest;
    const status = faults.takeFailure(target, req.method);
    const latency = faults.takeLatency(target);
    if (latency > 0) await new Promise((resolve) => setTimeout(resolve, latency));
    if (status === undefined) return next();
    if (target === FaultTarget.Sdk) res.status(status).end();
    else
      sendError(res, status, [status === 403 ? 'Forbidden' : status === 401 ? 'Unauthorized' : 'InternalServerError']);
  });
  app.use(sdkRoutes(store, envs, insights));
  const auth = authenticateAccessToken(tokens);
  app.use('/api/v1/envs/:envId', guidRouteValue('envId'));
  app.use('/api/v1/envs/:envId/feature-flags', auth, featureFlagRoutes(store, features));
  app.use('/api/v1/envs/:envId/segments', auth, segmentRoutes(store, features));
  app.use('/api/v1/envs/:envId/audit-logs', auth, auditLogRoutes(store, features));
  app.use('/api', (_req, res) => sendError(res, 404, ['ResourceNotFound']));
  app.use(envelopeErrorHandler);

  const server: Server = createServer(app);
  streaming.attach(server);
  server.keepAliveTimeout = 1_000;
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await listen();

  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    envs,
    tokens,
    control,
    close: async () => {
      closed = true;
      if (reopenTimer) clearTimeout(reopenTimer);
      await dispatcher.close();
      streaming.close();
      if (server.listening) await dropListener();
    },
  };
}
