import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../../policies/index.js';
import { serviceConfigSchema } from '../../../src/config/index.js';
import { FeatBitRestClient } from '../../../src/featbit/rest-client/index.js';
import type { RestFlag } from '../../../src/featbit/model/index.js';
import { generateApiToken, hashApiToken } from '../../../src/identity/index.js';
import type { LedgerEntry } from '../../../src/ledger/index.js';
import { createLogger, silentLogger } from '../../../src/logging/index.js';
import { WebhookEvent } from '../../../src/featbit/model/index.js';
import { createSandbox, type Sandbox, type SandboxAccessToken } from '../../../src/sandbox/index.js';
import { startService, type RunningService, type StartServiceOptions } from '../../../src/server/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

/** Roles the e2e tests act with (token name = `<role>-user`). */
export const ROLES = ['admin', 'auditor', 'requester', 'aiPlatformOwner', 'releaseOwner', 'service'] as const;
export type E2eRole = (typeof ROLES)[number];

/** modelRoute values: the candidate raises the latency target (a medium-tier change under the default policy). */
export const CURRENT_ROUTE = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 800 };
export const CANDIDATE_ROUTE = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 1200 };

/** Shape of a governed modelRoute flag (`*-model-route` in the default policy; baseline variation `current`). */
export interface RouteFlagShape {
  /** Candidate's share of the default rule, 0..1. */
  readonly candidateShare?: number;
  /** User keys individually targeted with the candidate. */
  readonly targets?: readonly string[];
  /** Two rules (plan pro → baseline first, then country nl → candidate), for reorder tests. */
  readonly rules?: boolean;
}

/** A FeatBit flag as FeatBit's REST API holds it, in the sandbox's seed format. */
export function routeFlag(envId: string, key: string, shape: RouteFlagShape = {}): Record<string, unknown> {
  const current = `${key}-current`;
  const candidate = `${key}-candidate`;
  const share = shape.candidateShare ?? 0;
  return {
    id: `id-${key}`,
    envId,
    key,
    name: key,
    description: 'model route of an AI feature',
    variationType: 'json',
    variations: [
      { id: current, name: 'current', value: JSON.stringify(CURRENT_ROUTE) },
      { id: candidate, name: 'candidate', value: JSON.stringify(CANDIDATE_ROUTE) },
    ],
    targetUsers: shape.targets?.length ? [{ keyIds: [...shape.targets], variationId: candidate }] : [],
    rules: shape.rules
      ? [
          {
            id: `${key}-rule-pro`,
            name: 'pro plan',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [{ property: 'plan', op: 'Equal', value: 'pro' }],
            variations: [{ id: current, rollout: [0, 1], exptRollout: 1 }],
          },
          {
            id: `${key}-rule-nl`,
            name: 'dutch users',
            dispatchKey: null,
            includedInExpt: false,
            conditions: [{ property: 'country', op: 'Equal', value: 'nl' }],
            variations: [{ id: candidate, rollout: [0, 1], exptRollout: 1 }],
          },
        ]
      : [],
    isEnabled: true,
    disabledVariationId: current,
    fallthrough: {
      dispatchKey: null,
      includedInExpt: true,
      variations:
        share > 0
          ? [
              { id: candidate, rollout: [0, share], exptRollout: 1 },
              { id: current, rollout: [share, 1], exptRollout: 1 },
            ]
          : [{ id: current, rollout: [0, 1], exptRollout: 1 }],
    },
    exptIncludeAllTargets: true,
    tags: [],
    isArchived: false,
  };
}

/** A release stage of a change record. */
export interface RouteStage {
  readonly name: string;
  readonly percentage: number;
}

/** A change record (medium tier under the default policy) that ramps `key`'s candidate route through `stages`. */
export function routeChangeRecord(
  key: string,
  changeKey: string,
  stages: readonly RouteStage[],
): Record<string, unknown> {
  return {
    key: changeKey,
    title: 'Looser latency target',
    owner: 'ai-platform',
    service: 'ticket-summariser',
    environment: 'production',
    affectedWorkflow: 'ticket summaries',
    requester: 'someone',
    flags: [
      {
        key,
        surface: 'modelRoute',
        baseline: CURRENT_ROUTE,
        candidate: CANDIDATE_ROUTE,
        candidateVariationId: `${key}-candidate`,
      },
    ],
    behaviourChange: 'summaries may take longer',
    impact: {
      data: 'none',
      cost: 'none',
      latency: 'up to 400 ms more',
      safety: 'none',
      support: 'none',
      compliance: 'none',
    },
    release: {
      decisionOwner: 'ai-platform',
      stages: stages.map((stage) => ({ ...stage, audience: 'everyone', minDuration: '1h' })),
    },
    cleanup: { kind: 'durable' },
  };
}

/**
 * Opens `record` as the requester, attaches the evidence it misses as CI does (the service token: authors never
 * vouch for their own change) and approves it as the AI platform owner; resolves with the approved change.
 */
export async function openApprovedChange(h: BridgeHarness, record: Record<string, unknown>): Promise<any> {
  const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
  if (created.status !== 201)
    throw new Error(`creating ${String(record['key'])} answered ${created.status}: ${JSON.stringify(created.body)}`);
  for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
    const body = {
      type: requirement.anyOf[0],
      summary: 'no regressions',
      result: 'passed',
      link: 'https://ci.example.com/run/1',
    };
    const attached = await h.call('POST', `/v1/changes/${String(record['key'])}/evidence`, {
      token: h.tokens.service,
      body,
    });
    if (attached.status !== 201)
      throw new Error(`evidence answered ${attached.status}: ${JSON.stringify(attached.body)}`);
  }
  const review = await h.call('POST', `/v1/changes/${String(record['key'])}/reviews`, {
    token: h.tokens.aiPlatformOwner,
    body: { decision: 'approve' },
  });
  if (review.body?.status !== 'approved')
    throw new Error(
      `the review left ${String(record['key'])} ${review.body?.status}: ${JSON.stringify(review.body?.decision)}`,
    );
  return review.body;
}

/** The targeting of `flag` with its default rule serving the candidate to `share` of users and the baseline to the rest. */
export function withShare(flag: RestFlag, share: number) {
  const candidate = `${flag.key}-candidate`;
  const current = `${flag.key}-current`;
  return {
    targetUsers: flag.targetUsers,
    rules: flag.rules,
    exptIncludeAllTargets: flag.exptIncludeAllTargets,
    fallthrough: {
      ...flag.fallthrough,
      variations: [
        { id: candidate, rollout: [0, share] as [number, number], exptRollout: 1 },
        { id: current, rollout: [share, 1] as [number, number], exptRollout: 1 },
      ],
    },
  };
}

/** The flag admin alice sets the candidate's share of the default rule in FeatBit, as she could in its UI. */
export async function aliceSetsShare(h: BridgeHarness, key: string, share: number): Promise<void> {
  const flag = await h.alice.getFlag(h.envId, key);
  await h.alice.updateTargeting(h.envId, key, { revision: flag.revision, targeting: withShare(flag, share) });
}

/** The service with its webhook bridge on real Redis and BullMQ, the FeatBit sandbox delivering webhooks to it. */
export interface BridgeHarness {
  readonly service: RunningService;
  readonly sandbox: Sandbox;
  readonly envId: string;
  readonly secret: string;
  readonly redisPrefix: string;
  readonly dataDir: string;
  /** featgate's own FeatBit access token (operator `featgate-bot`). */
  readonly featgateToken: SandboxAccessToken;
  /** A FeatBit admin editing directly (operator `alice`). */
  readonly alice: FeatBitRestClient;
  readonly tokens: Readonly<Record<E2eRole, string>>;
  /** Seeds flags straight into FeatBit (no webhook) and adopts each as its approved baseline. */
  seedAndAdopt(...flags: Record<string, unknown>[]): Promise<void>;
  /** The flag as FeatBit holds it now. */
  live(key: string): ReturnType<Sandbox['control']['store']['getFlag']>;
  /** Waits until webhook deliveries are done and the queue is idle. */
  settle(): Promise<void>;
  /** Ledger entries of one type about one flag (or about anything). */
  entries(type: string, flagKey?: string): Promise<LedgerEntry[]>;
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown },
  ): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

/** The production environment of the default policy (governed, enforced). */
export async function governedEnvironment(): Promise<{ id: string; name: string }> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  return policy.environments[0]!;
}

/** Starts a sandbox for the governed environment with featgate's token (`featgate-bot`) and an admin (`alice`). */
export async function startGovernedSandbox(): Promise<Sandbox> {
  const env = await governedEnvironment();
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  sandbox.tokens.issue('featgate-bot');
  sandbox.tokens.issue('alice');
  return sandbox;
}

/** API tokens for every e2e role, and the config entries holding their hashes. */
export function roleTokens(): {
  tokens: Record<E2eRole, string>;
  configs: { name: string; sha256: string; roles: string[] }[];
} {
  const tokens = {} as Record<E2eRole, string>;
  const configs = ROLES.map((role) => {
    tokens[role] = generateApiToken();
    return { name: `${role}-user`, sha256: hashApiToken(tokens[role]), roles: [role] };
  });
  return { tokens, configs };
}

/** The service configuration (before defaults) the e2e tests run with. */
export function serviceConfigInput(input: {
  sandbox: Sandbox;
  redisPrefix: string;
  dataDir: string;
  secret: string;
  tokenConfigs: unknown[];
  webhooks?: Record<string, unknown>;
  /** Follow the sandbox's SDK data-sync stream as a trigger (the governed environment's server secret). */
  stream?: boolean;
  /** The Redis to use (the run's shared one when absent). */
  redisUrl?: string;
}): Record<string, unknown> {
  const featgateToken = input.sandbox.tokens.list().find((token) => token.name === 'featgate-bot')!;
  const env = input.sandbox.envs[0]!;
  const stream = input.stream ? { evaluationUrl: input.sandbox.url, serverSecrets: { [env.id]: env.sdkSecret } } : {};
  return {
    port: 0,
    dataDir: input.dataDir,
    redisUrl: input.redisUrl ?? testRedisUrl(),
    redisPrefix: input.redisPrefix,
    featbit: {
      apiUrl: input.sandbox.url,
      accessToken: featgateToken.token,
      sandbox: false,
      webhookSecret: ['old-rotated-secret', input.secret],
      ...stream,
    },
    identity: { tokens: input.tokenConfigs },
    ...(input.webhooks ? { webhooks: input.webhooks } : {}),
  };
}

/** Short retries, take-over times and lock expiry, and no scheduled reconciler round during a test. */
export const FAST_BRIDGE_OPTIONS = {
  refreshIntervalMs: 200,
  lockTtlMs: 2_000,
  bridge: {
    retry: { attempts: 60, baseDelayMs: 100, maxDelayMs: 1_000 },
    queueTuning: { lockDurationMs: 1_500, stalledIntervalMs: 500 },
    reconcileIntervalMs: 3_600_000,
  },
} as const;

/**
 * Starts the service in front of a sandbox (a new one, or `options.sandbox`, which the caller then closes) and points
 * the sandbox's webhooks at it; `options.service` tunes the service.
 */
export async function startBridgeHarness(
  options: {
    service?: StartServiceOptions;
    redisPrefix?: string;
    sandbox?: Sandbox;
    secret?: string;
    webhooks?: Record<string, unknown>;
    /** Follow FeatBit's SDK data-sync stream as a trigger. */
    stream?: boolean;
    /** Configure no FeatBit webhook at all (the stream and the reconciler are then the only triggers). */
    withoutWebhooks?: boolean;
    /** A Redis of the test's own (the run's shared one when absent). */
    redisUrl?: string;
  } = {},
): Promise<BridgeHarness> {
  const env = await governedEnvironment();
  const sandbox = options.sandbox ?? (await startGovernedSandbox());
  const featgateToken = sandbox.tokens.list().find((token) => token.name === 'featgate-bot')!;
  const aliceToken = sandbox.tokens.list().find((token) => token.name === 'alice')!;
  const { tokens, configs: tokenConfigs } = roleTokens();
  const secret = options.secret ?? `whsec-${generateApiToken()}`;
  const redisPrefix = options.redisPrefix ?? uniquePrefix('bridge-e2e');
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-bridge-'));
  const service = await startService(
    serviceConfigSchema.parse(
      serviceConfigInput({
        sandbox,
        redisPrefix,
        dataDir,
        secret,
        tokenConfigs,
        ...(options.webhooks ? { webhooks: options.webhooks } : {}),
        ...(options.stream ? { stream: true } : {}),
        ...(options.redisUrl ? { redisUrl: options.redisUrl } : {}),
      }),
    ),
    {
      logger: process.env.BRIDGE_TEST_LOG ? createLogger('test', 'info') : silentLogger,
      ...FAST_BRIDGE_OPTIONS,
      ...options.service,
    },
  );
  const bridge = service.bridge!;
  await bridge.reconciler.runOnce();
  await bridge.stream?.ready();
  await bridge.queue.whenIdle(20_000);
  if (!options.withoutWebhooks)
    sandbox.control.configureWebhook({
      url: `${service.url}/webhooks/featbit`,
      secret,
      events: Object.values(WebhookEvent),
      retryDelayMs: 200,
    });
  const alice = new FeatBitRestClient({ baseUrl: sandbox.url, accessToken: aliceToken.token, logger: silentLogger });

  const call: BridgeHarness['call'] = async (method, path, callOptions = {}) => {
    const headers: Record<string, string> = {};
    if (callOptions.token) headers.authorization = `Bearer ${callOptions.token}`;
    if (callOptions.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers,
      ...(callOptions.body !== undefined ? { body: JSON.stringify(callOptions.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  };

  return {
    service,
    sandbox,
    envId: env.id,
    secret,
    redisPrefix,
    dataDir,
    featgateToken,
    alice,
    tokens,
    async seedAndAdopt(...flags) {
      // Flags FeatBit held before featgate watched: the stream is not told, so no never-approved convergence races
      // the adoption (a flag that appears while featgate watches is converged and proposed, never adopted as is).
      sandbox.control.seed({ flags, segments: [] }, { publish: false });
      for (const flag of flags) {
        const adopted = await call('POST', '/v1/adoptions', {
          token: tokens.admin,
          body: { envId: env.id, flagKey: flag['key'], reason: 'baseline for the e2e test' },
        });
        if (adopted.status !== 201)
          throw new Error(`adoption of ${String(flag['key'])} failed: ${JSON.stringify(adopted.body)}`);
      }
    },
    live: (key) => sandbox.control.store.getFlag(env.id, key),
    async settle() {
      await sandbox.control.webhooksIdle();
      await bridge.queue.whenIdle(60_000);
    },
    entries: (type, flagKey) =>
      service.workflow.queryAudit({
        type,
        ...(flagKey ? { flag: `${env.id}/${flagKey}` } : {}),
        afterSeq: 0,
        limit: 1000,
      }),
    call,
    async close() {
      await service.close();
      if (!options.sandbox) await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => T | Promise<T>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<Exclude<T, false | undefined>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value as Exclude<T, false | undefined>;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** The candidate's share of the default rule. */
export function candidateShare(
  flag: { fallthrough: { variations: readonly { id: string; rollout: readonly number[] }[] } },
  key: string,
): number {
  return flag.fallthrough.variations
    .filter((rollout) => rollout.id === `${key}-candidate`)
    .reduce((sum, rollout) => sum + (rollout.rollout[1]! - rollout.rollout[0]!), 0);
}
