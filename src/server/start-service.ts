import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { Redis } from 'ioredis';
import { DEFAULT_POLICY_PATH, loadPolicyFile, type Policy } from '../../policies/index.js';
import type { ServiceConfig, ApiTokenConfig } from '../config/index.js';
import { FeatBitRestClient } from '../featbit/rest-client/index.js';
import { WebhookEvent } from '../featbit/model/index.js';
import {
  Authenticator,
  hashApiToken,
  IdentityMapping,
  Permission,
  RolePermissions,
  Role,
  type Principal,
} from '../identity/index.js';
import { ActorKind } from '../ledger/index.js';
import { connectionErrorLog, createLogger, type Logger } from '../logging/index.js';
import {
  createManifestRouter,
  loadOrCreateSigningKey,
  ManifestPublisher,
  publishApprovedState,
} from '../manifest/index.js';
import { loadOrCreateRedactionKey, secretKeyMatcher } from '../redaction/index.js';
import { redisSecretStore } from '../generated-secret/index.js';
import { followLifecycleNotifications } from '../changes/index.js';
import { GovernanceService } from '../governance/index.js';
import { InProcessLock, RedisLock, type KeyedLock } from '../locks/index.js';
import type { LedgerProjections } from '../projections/index.js';
import { openLedgerWithProjections } from './open-ledger-projections.js';
import { createApp } from './app.js';
import { createConsoleRouter } from '../console/index.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { demoEnvironment, demoSeedFlags, demoSeedFromApprovedState } from './demo-seed.js';
import { loadOrCreateDemoTokens, writeDemoState } from './demo-state.js';
import { createHttpMetrics } from './http-metrics.js';
import type { ReadinessCheck } from './readiness.js';
import { governanceRoutes } from './routes/index.js';
import type { JobRetryPolicy } from '../jobs/index.js';
import {
  jobRoutes,
  startWebhookBridge,
  type BridgeQueueTuning,
  type WebhookBridge,
  createMemoryDeliveryDeduper,
  createRedisDeliveryDeduper,
} from '../../webhooks/index.js';
import { startExposure, templateIssues, type ExposureService, exposureRoutes } from '../exposure/index.js';
import type { ChangeRecord } from '../changes/model/index.js';
import { createKeysRouter } from './keys-router.js';
import { PrincipalRateLimiter } from './rate-limit/index.js';
import { reconnectDelayMs } from '../redis/index.js';
import { notifierFromConfig } from '../notify/index.js';
import type { MissingItems } from '../../policies/index.js';

/** A running governance service. */
export interface RunningService {
  /** Base URL, e.g. `http://127.0.0.1:8080`. */
  readonly url: string;
  readonly port: number;
  /** Demo API tokens by role, only when no identity is configured (printed at start for a first run). */
  readonly demoTokens: Readonly<Record<string, string>>;
  /** The in-process FeatBit sandbox, when the service started one. */
  readonly sandboxUrl?: string;
  /**
   * The demo sandbox's environment, its server SDK key (for an example app's FeatBit provider) and an access token
   * acting as FeatBit flag admin `flag-admin`, to play edits.
   */
  readonly sandboxDemo?: { readonly envId: string; readonly adminToken: string; readonly sdkKey: string };
  readonly workflow: GovernanceService;
  /** The ledger projections the workflow answers from (for operators' diagnostics and tests: retained bytes, seq). */
  readonly projections: LedgerProjections;
  /** The webhook bridge (receiver, reconcile queue and worker, reconciler), when FeatBit is configured. */
  readonly bridge?: WebhookBridge;
  /** Staged exposure: guardrails, auto-advance, break-glass, review dates. */
  readonly exposure: ExposureService;
  /** Stops listening and releases the ledger, Redis and the sandbox. */
  close(): Promise<void>;
}

/** Extras for tests and the CLI. */
export interface StartServiceOptions {
  readonly logger?: Logger;
  readonly version?: string;
  /** How often the projections poll the shared ledger so manifests follow other processes' approvals. */
  readonly refreshIntervalMs?: number;
  /** Expiry of a Redis lock whose holder died (default 30 s); crash tests shorten it. */
  readonly lockTtlMs?: number;
  /** Tuning of the webhook bridge for tests: retry backoff, queue take-over times, reconciler interval. */
  readonly bridge?: {
    readonly retry?: JobRetryPolicy;
    readonly queueTuning?: BridgeQueueTuning;
    readonly reconcileIntervalMs?: number;
    /** Called with the scheduled time of each cluster reconciler round this process ran (Redis mode). */
    readonly onScheduledRound?: (scheduledAt: number) => void;
  };
  /** How often staged exposure sweeps for due auto-advances, break-glass expiries and notices (tests shorten it). */
  readonly exposureSweepIntervalMs?: number;
  /** The workflow's clock (expiries, approval lifetimes, entry times); tests move it instead of sleeping. */
  readonly now?: () => Date;
}

/** Every role a demo needs to walk the whole lifecycle: the service's own roles and every role the policy names. */
/**
 * Runs a reconciler round as soon as Redis answers again after an outage: FeatBit's webhook deliveries made while
 * Redis was down could not be queued (FeatBit gives up after 3 attempts over 4 s), so without this their edits would
 * wait for the next periodic round.
 */
function reconcileWhenRedisReturns(redis: Redis, reconciler: { runOnce(): Promise<number> }, logger: Logger): void {
  let lost = false;
  redis.on('error', () => (lost = true));
  redis.on('close', () => (lost = true));
  redis.on('ready', () => {
    if (!lost) return;
    lost = false;
    logger.info('Redis answers again: reconciling every governed flag now');
    void reconciler
      .runOnce()
      .catch((error: unknown) =>
        logger.warn({ err: (error as Error).message }, 'reconciler round after the Redis outage failed'),
      );
  });
}

/** The FeatBit user of the demo sandbox who edits flags behind featgate's back, and their featgate identity. */
export const DEMO_FLAG_ADMIN = 'flag-admin';

function demoRoles(policy: Policy): string[] {
  return [...new Set([Role.Admin, Role.Requester, Role.Auditor, Role.Service, ...Object.keys(policy.roles)])];
}

/**
 * Starts `featgate serve`: loads the policy, opens the ledger (Redis when `redisUrl` is set, else the embedded
 * file), connects to FeatBit (or starts the in-process sandbox with demo AI-config flags when no FeatBit is
 * configured), loads the manifest signing key, and listens. With no identity configured it issues demo tokens
 * for each role so a newcomer can walk a change through review and release.
 */
export async function startService(config: ServiceConfig, options: StartServiceOptions = {}): Promise<RunningService> {
  const logger = options.logger ?? createLogger('featgate');
  const closers: (() => Promise<void>)[] = [];
  const close = async () => {
    for (const closer of closers.reverse())
      await closer().catch((error: unknown) => logger.warn({ err: error }, 'close failed'));
  };
  try {
    const policy = await loadPolicyFile(config.policy ?? DEFAULT_POLICY_PATH);
    const redis = config.redisUrl
      ? new Redis(config.redisUrl, { maxRetriesPerRequest: 3, lazyConnect: false, retryStrategy: reconnectDelayMs })
      : undefined;
    if (redis) {
      redis.on('error', connectionErrorLog(logger, 'redis'));
      closers.push(async () => void (await redis.quit()));
    }
    const secrets = redis
      ? redisSecretStore({ redis, prefix: config.redisPrefix, seedDir: config.dataDir })
      : undefined;
    const generatedKeys = { dataDir: config.dataDir, ...(secrets ? { store: secrets } : {}) };
    const key = await loadOrCreateSigningKey({
      ...generatedKeys,
      ...(config.signingKey ? { configuredKey: config.signingKey } : {}),
    });
    // the ledger is verified against its signed checkpoints before anything acts on it (ARCHITECTURE.md "Ledger")
    // and started from the newest signed projection snapshot, so the start costs the entries after it (ARCHITECTURE.md "Projection snapshots")
    const opened = await openLedgerWithProjections({
      ...(redis ? { redis } : {}),
      dataDir: config.dataDir,
      prefix: config.redisPrefix,
      logger,
      key,
    });
    const { ledger, projections } = opened;
    closers.push(() => ledger.close());
    closers.push(() => opened.close());
    const lock: KeyedLock = redis
      ? new RedisLock(redis, { prefix: config.redisPrefix, ...(options.lockTtlMs ? { ttlMs: options.lockTtlMs } : {}) })
      : new InProcessLock();

    const featbitSetup = await connectFeatBit(config, policy, logger, (envId) => projections.approvedInEnv(envId));
    if (featbitSetup.close) closers.push(featbitSetup.close);

    const publisher = new ManifestPublisher({
      key,
      ledgerHead: async () => (await ledger.head()) ?? null,
      onFlagCompileFailure: (envId, { flagKey, keptVersion, issues }) =>
        logger.warn(
          { envId, flagKey, keptVersion, issues },
          keptVersion === undefined
            ? 'flag cannot be compiled: gates deny it'
            : 'flag cannot be compiled: its last good entry is kept',
        ),
    });
    closers.push(async () => publisher.close());
    await projections.catchUp();
    const unfollow = await publishApprovedState(publisher, projections, policy, logger);
    closers.push(async () => unfollow());
    publisher.startRenewal();
    const refresh = setInterval(
      () => void projections.catchUp().catch(() => undefined),
      options.refreshIntervalMs ?? 1000,
    );
    refresh.unref();
    closers.push(async () => clearInterval(refresh));

    const redactionKey = await loadOrCreateRedactionKey({
      ...generatedKeys,
      ...(config.redactionKey ? { configuredKey: config.redactionKey } : {}),
    });
    const identities = IdentityMapping.fromConfig(config.identity.people);
    const templates = config.exposure.prometheus?.templates ?? {};
    const checkRecord = (record: ChangeRecord) => templateIssues(templates, record);
    const demoTokens: Record<string, string> = {};
    const tokens: ApiTokenConfig[] = [...config.identity.tokens];
    if (tokens.length === 0 && !config.identity.oidc) {
      // With the demo sandbox, the FeatBit flag admin is a featgate person too (a requester), so the proposals made
      // from their edits can be edited or withdrawn by them: the whole story works with the printed tokens.
      const people = featbitSetup.demoEnvId ? [DEMO_FLAG_ADMIN] : [];
      for (const [name, token] of Object.entries(
        loadOrCreateDemoTokens(config.dataDir, [...demoRoles(policy), ...people]),
      )) {
        demoTokens[name] = token;
        const person = name === DEMO_FLAG_ADMIN;
        // The demo's `service` token plays CI: it attaches evidence and reports guardrail signals as a service identity.
        const kind = name === Role.Service ? 'service' : 'user';
        tokens.push({
          name: person ? name : `demo-${name}`,
          sha256: hashApiToken(token),
          roles: [person ? Role.Requester : name],
          kind,
        });
      }
    }
    const roles = new RolePermissions(config.identity.roles, Object.keys(policy.roles));
    // Who a policy explanation can name as still able to approve: the configured tokens whose roles may review.
    const knownReviewers = () =>
      tokens.map((token) => ({
        identity: token.name,
        roles: [...token.roles],
        mayReview: roles.permissionsOf(token.roles).has(Permission.ReviewSubmit),
      }));
    const workflowDeps = {
      ledger,
      projections,
      lock,
      policy: () => policy,
      redactionKey,
      ...(featbitSetup.client ? { featbit: featbitSetup.client } : {}),
      logger,
      identities,
      ...(options.now ? { now: options.now } : {}),
      knownReviewers,
      checkRecord,
    };
    const workflow = new GovernanceService(workflowDeps);
    const authenticator = new Authenticator({
      tokens,
      ...(config.identity.oidc ? { oidc: config.identity.oidc } : {}),
      roles,
    });
    if (featbitSetup.demoEnvId && featbitSetup.client) {
      await adoptDemoFlags(workflow, featbitSetup.demoEnvId, roles);
    }

    const metrics = createHttpMetrics();
    const notifications = notifierFromConfig({
      notifyUrl: config.webhooks.notifyUrl,
      notifications: config.notifications,
      logger,
    });
    if (notifications) closers.push(async () => notifications.close());
    const notifier = notifications?.notifier;
    const bridge = featbitSetup.client
      ? await startWebhookBridge({
          featbit: featbitSetup.client,
          ledger,
          projections,
          lock,
          proposals: workflow.proposals,
          policy: () => policy,
          secrets: featbitSetup.demoWebhook ? [featbitSetup.demoWebhook.secret] : config.featbit.webhookSecret,
          ...(redis && config.redisUrl ? { redis: { client: redis, url: config.redisUrl } } : {}),
          prefix: config.redisPrefix,
          reconcileIntervalMs: options.bridge?.reconcileIntervalMs ?? config.webhooks.reconcileIntervalSeconds * 1000,
          ...(notifier ? { notifier } : {}),
          bodyLimitBytes: config.webhooks.bodyLimitBytes,
          ...(config.featbit.evaluationUrl && Object.keys(config.featbit.serverSecrets).length > 0
            ? {
                stream: {
                  evaluationUrl: config.featbit.evaluationUrl,
                  environments: Object.entries(config.featbit.serverSecrets).map(([envId, serverSecret]) => ({
                    envId,
                    serverSecret,
                  })),
                },
              }
            : {}),
          ...(options.bridge?.retry ? { retry: options.bridge.retry } : {}),
          ...(options.bridge?.queueTuning ? { queueTuning: options.bridge.queueTuning } : {}),
          ...(options.bridge?.onScheduledRound ? { onScheduledRound: options.bridge.onScheduledRound } : {}),
          metrics: metrics.registry,
          logger,
        })
      : undefined;
    if (bridge) closers.push(() => bridge.close());
    if (bridge && redis) reconcileWhenRedisReturns(redis, bridge.reconciler, logger);
    const exposure = await startExposure({
      deps: workflowDeps,
      config: config.exposure,
      ...(config.redisUrl ? { redisUrl: config.redisUrl } : {}),
      prefix: config.redisPrefix,
      ...(notifier ? { notifier } : {}),
      ...(options.exposureSweepIntervalMs ? { sweepIntervalMs: options.exposureSweepIntervalMs } : {}),
    });
    closers.push(() => exposure.close());
    if (notifier) {
      const claims = redis
        ? createRedisDeliveryDeduper(redis, { prefix: config.redisPrefix })
        : createMemoryDeliveryDeduper();
      const unfollow = followLifecycleNotifications({
        ledger: projections,
        notifier,
        claims,
        pendingRoles: (changeKey) => pendingReviewRoles(workflow, changeKey),
        logger,
      });
      closers.push(async () => unfollow());
    }

    const readiness: ReadinessCheck[] = [];
    if (redis) readiness.push({ name: 'redis', check: async () => void (await redis.ping()) });
    const client = featbitSetup.client;
    const probeEnv = policy.environments[0]?.id;
    if (client && probeEnv)
      readiness.push({ name: 'featbit', check: async () => void (await client.listFlags(probeEnv, { pageSize: 1 })) });
    if (bridge) readiness.push(...bridge.readiness);

    const app = createApp({
      routes: [...governanceRoutes(workflow), ...(bridge ? jobRoutes(bridge.queue) : []), ...exposureRoutes(exposure)],
      authenticator,
      bodyLimitBytes: config.bodyLimitBytes,
      rateLimiter: new PrincipalRateLimiter(
        config.rateLimits,
        { ...(redis ? { redis } : {}), prefix: config.redisPrefix },
        identities,
        logger,
      ),
      metrics,
      readiness,
      logger,
      version: options.version ?? '0.1.0',
      routers: [
        createManifestRouter({
          source: publisher,
          web: {
            manifests: (envId) => publisher.currentManifest(envId),
            key,
            isSecretKey: secretKeyMatcher(policy.secrets.keyPatterns),
          },
        }),
        createKeysRouter(key.publicJwk),
        ...(bridge?.router ? [bridge.router] : []),
        createConsoleRouter({ ...(config.identity.oidc ? { oidc: config.identity.oidc } : {}) }),
      ],
    });
    const server = await listen(app, config.port, config.host);
    closers.push(() => closeServer(server));
    const port = (server.address() as AddressInfo).port;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    if (featbitSetup.demoWebhook && bridge?.router) featbitSetup.demoWebhook.deliverTo(`${url}/webhooks/featbit`);
    const sandboxDemo =
      featbitSetup.demoEnvId && featbitSetup.demoWebhook && featbitSetup.sandboxUrl
        ? {
            envId: featbitSetup.demoEnvId,
            adminToken: featbitSetup.demoWebhook.adminToken,
            sdkKey: featbitSetup.demoWebhook.sdkKey,
          }
        : undefined;
    if (sandboxDemo && Object.keys(demoTokens).length > 0) {
      writeDemoState(config.dataDir, {
        tokens: demoTokens,
        featgateUrl: url,
        publicJwk: { ...key.publicJwk } as Record<string, string>,
        sandbox: {
          url: featbitSetup.sandboxUrl!,
          envId: sandboxDemo.envId,
          sdkKey: sandboxDemo.sdkKey,
          adminToken: sandboxDemo.adminToken,
        },
      });
    }
    return {
      url,
      port,
      demoTokens,
      ...(featbitSetup.sandboxUrl ? { sandboxUrl: featbitSetup.sandboxUrl } : {}),
      ...(sandboxDemo ? { sandboxDemo } : {}),
      workflow,
      projections,
      ...(bridge ? { bridge } : {}),
      exposure,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

interface FeatBitSetup {
  readonly client?: FeatBitRestClient;
  readonly sandboxUrl?: string;
  readonly demoEnvId?: string;
  /** With the demo sandbox and no configured secret: the generated webhook secret and how to aim its deliveries. */
  readonly demoWebhook?: {
    readonly secret: string;
    readonly adminToken: string;
    readonly sdkKey: string;
    deliverTo(url: string): void;
  };
  readonly close?: () => Promise<void>;
}

/**
 * The configured FeatBit, or the in-process sandbox seeded with demo AI-config flags. On a restart of the demo the
 * sandbox starts from what the ledger approved (not from the first seeds), so the approved state survives a restart.
 */
async function connectFeatBit(
  config: ServiceConfig,
  policy: Policy,
  logger: Logger,
  approvedInEnv: (envId: string) => readonly ApprovedFlagState[],
): Promise<FeatBitSetup> {
  const { apiUrl, accessToken } = config.featbit;
  const useSandbox = config.featbit.sandbox ?? !apiUrl;
  if (!useSandbox) {
    if (!apiUrl || !accessToken) {
      logger.warn('FEATBIT_API_URL or FEATBIT_ACCESS_TOKEN is missing: releases and adoption are unavailable');
      return {};
    }
    return { client: new FeatBitRestClient({ baseUrl: apiUrl, accessToken, logger }) };
  }
  const { createSandbox, SANDBOX_DEMO_ACCESS_TOKEN } = await import('../sandbox/index.js');
  const env = demoEnvironment(policy);
  const sandbox = await createSandbox({
    seeds: [demoSeedFromApprovedState(env.id, approvedInEnv(env.id))],
    environments: policy.environments.length > 0 ? policy.environments.map(({ id, name }) => ({ id, name })) : [env],
    logger,
  });
  const secret = config.featbit.webhookSecret.length === 0 ? randomBytes(24).toString('base64url') : undefined;
  return {
    client: new FeatBitRestClient({ baseUrl: sandbox.url, accessToken: SANDBOX_DEMO_ACCESS_TOKEN, logger }),
    sandboxUrl: sandbox.url,
    demoEnvId: env.id,
    ...(secret
      ? {
          demoWebhook: {
            secret,
            adminToken: sandbox.control.issueToken(DEMO_FLAG_ADMIN).token,
            sdkKey: sandbox.envs[0]!.sdkSecret,
            deliverTo: (url: string) =>
              void sandbox.control.configureWebhook({
                name: 'featgate demo',
                url,
                secret,
                events: Object.values(WebhookEvent),
              }),
          },
        }
      : {}),
    close: () => sandbox.close(),
  };
}

/** The roles whose approval a change still needs, for "awaiting review" notifications ('reviewer' when anyone may approve). */
async function pendingReviewRoles(workflow: GovernanceService, changeKey: string): Promise<string[]> {
  const view = await workflow.getChange(changeKey).catch(() => undefined);
  const missing = view?.decision.missing as MissingItems | undefined;
  if (!missing) return [];
  const roles = [...new Set(missing.roles.flatMap((requirement) => requirement.anyOf))];
  return roles.length > 0 ? roles : missing.approvals > 0 ? [Role.Reviewer] : [];
}

/** Adopts the demo flags as approved baselines on a first start, so the demo has something to govern. */
async function adoptDemoFlags(workflow: GovernanceService, envId: string, roles: RolePermissions): Promise<void> {
  const admin: Principal = {
    id: 'featgate-demo-setup',
    kind: ActorKind.Service,
    roles: [Role.Admin],
    permissions: roles.permissionsOf([Role.Admin]),
    via: 'api-token',
  };
  const adopted = await workflow.queryAudit({ type: 'flag.adopted', afterSeq: 0, limit: 1000 });
  const done = new Set(adopted.map((entry) => entry.subject));
  for (const flag of demoSeedFlags(envId) as { key: string }[]) {
    if (done.has(`flag:${envId}/${flag.key}`)) continue;
    await workflow.adopt(admin, { envId, flagKey: flag.key, reason: 'demo baseline' });
  }
}

function listen(app: import('express').Express, port: number, host: string): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(port, host, (error?: Error) => (error ? reject(error) : resolve(server)));
    server.on('error', reject);
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}
