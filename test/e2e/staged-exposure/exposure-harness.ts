import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JWK } from 'jose';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../../policies/index.js';
import { serviceConfigSchema, type ServiceConfigInput } from '../../../src/config/index.js';
import { generateApiToken, hashApiToken } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { SIGNING_KEY_FILE, signingKeyFromText } from '../../../src/manifest/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';

/** People the staged-exposure tests act as: token name = person, with the roles given. */
export const PEOPLE = {
  requester: ['requester'],
  /** A requester who is also a release owner: separation of duties keeps her from ramping her own high change. */
  lee: ['requester', 'releaseOwner'],
  admin: ['admin'],
  auditor: ['auditor'],
  aiPlatformOwner: ['aiPlatformOwner'],
  featureOwner: ['featureOwner'],
  releaseOwner: ['releaseOwner'],
  security: ['security'],
  incidentCommander: ['incidentCommander'],
  monitoring: ['service'],
} as const;
export type Person = keyof typeof PEOPLE;

/** A service in front of a FeatBit sandbox, with one token per person and the manifest's public key. */
export interface ExposureHarness {
  readonly service: RunningService;
  readonly sandbox: Sandbox;
  readonly envId: string;
  readonly dataDir: string;
  readonly publicKey: JWK;
  /** The API token of a person (for the CLI). */
  token(person: Person): string;
  call(person: Person, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** The flag as FeatBit holds it now (REST, as an admin would read it). */
  liveFlag(flagKey: string): Promise<any>;
  close(): Promise<void>;
}

/** Starts a sandbox seeded with `flags`, and featgate (embedded ledger, default policy) with a fast exposure sweep. */
export async function startExposureHarness(
  flags: (envId: string) => unknown[],
  config: Partial<ServiceConfigInput> = {},
): Promise<ExposureHarness> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  const featgateToken = sandbox.tokens.issue('featgate');
  const tokens: Record<string, string> = {};
  const tokenConfigs = Object.entries(PEOPLE).map(([person, roles]) => {
    tokens[person] = generateApiToken();
    return {
      name: person,
      sha256: hashApiToken(tokens[person]!),
      roles: [...roles],
      kind: person === 'monitoring' ? ('service' as const) : ('user' as const),
    };
  });
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-exposure-'));
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      featbit: { apiUrl: sandbox.url, accessToken: featgateToken.token, sandbox: false },
      ...config,
      identity: { tokens: tokenConfigs },
    }),
    { logger: silentLogger, exposureSweepIntervalMs: 200, refreshIntervalMs: 200 },
  );
  // featgate never approves a flag itself: once the bridge's first round is done, the flags appear in FeatBit and
  // the tests adopt them as an admin does (a flag seen before anyone adopted it would be switched off and proposed).
  await service.bridge?.reconciler.runOnce();
  await service.bridge?.queue.whenIdle(20_000);
  sandbox.control.seed({ flags: flags(env.id) as Record<string, unknown>[], segments: [] });
  const signingKey = await signingKeyFromText(readFileSync(join(dataDir, SIGNING_KEY_FILE), 'utf8'), SIGNING_KEY_FILE);
  return {
    service,
    sandbox,
    envId: env.id,
    dataDir,
    publicKey: signingKey.publicJwk,
    token: (person) => tokens[person]!,
    async call(person, method, path, body) {
      const headers: Record<string, string> = { authorization: `Bearer ${tokens[person]}` };
      if (body !== undefined) headers['content-type'] = 'application/json';
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
      const text = await response.text();
      return { status: response.status, body: text ? JSON.parse(text) : undefined };
    },
    async liveFlag(flagKey) {
      const response = await fetch(`${sandbox.url}/api/v1/envs/${env.id}/feature-flags/${flagKey}`, {
        headers: { Authorization: sandbox.tokens.demo.token },
      });
      return ((await response.json()) as { data: unknown }).data;
    },
    async close() {
      await service.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Reads the `version` of a manifest JWS (its payload, unverified: the gate verifies). */
export function manifestVersion(jws: string): number {
  const payload = JSON.parse(Buffer.from(jws.split('.')[1]!, 'base64url').toString('utf8')) as { version: number };
  return payload.version;
}

/** The model route both exposure tests switch: from openai (baseline) to mistral (candidate). */
export const PROVIDER_SWITCH = {
  baseline: { provider: 'openai', model: 'gpt-4o-mini', region: 'eu', latencyTargetMs: 800 },
  candidate: { provider: 'mistral', model: 'mistral-small', region: 'eu', latencyTargetMs: 800 },
} as const;

/** A high-tier change record (provider switch) of one model-route flag with the given release plan's stages and guardrails. */
export function providerSwitchRecord(key: string, flagKey: string, stages: unknown[], holdIf: unknown[] = []): unknown {
  return {
    key,
    title: `Move ${flagKey} to mistral`,
    owner: 'ai-platform',
    service: 'assistant',
    environment: 'production',
    affectedWorkflow: 'Answers of the assistant',
    requester: 'requester',
    flags: [
      { key: flagKey, surface: 'modelRoute', baseline: PROVIDER_SWITCH.baseline, candidate: PROVIDER_SWITCH.candidate },
    ],
    behaviourChange: 'Answers come from another provider at the same latency target.',
    impact: {
      data: 'another processor (EU)',
      cost: 'lower',
      latency: 'same target',
      safety: 'measured offline',
      support: 'escalations watched',
      compliance: 'DPA signed',
    },
    release: {
      decisionOwner: 'release-management',
      stages,
      holdIf,
      rollback: { plan: 'Back to openai.', fallbackBehaviour: 'Static answers.' },
    },
    cleanup: { kind: 'durable' },
  };
}
