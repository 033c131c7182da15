import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { loadPolicyFile, DEFAULT_POLICY_PATH, resolveGovernedFlag } from '../../../policies/index.js';
import { serviceConfigSchema, type ServiceConfigInput } from '../../../src/config/index.js';
import { hashApiToken, generateApiToken } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { startService, type RunningService } from '../../../src/server/index.js';

/** The roles tests act with: every policy role plus the service's own. */
export const TEST_ROLES = [
  'requester',
  'reviewer',
  'admin',
  'auditor',
  'service',
  'security',
  'releaseOwner',
  'featureOwner',
  'aiPlatformOwner',
  'platformOwner',
  'dataOwner',
  'incidentCommander',
  /** A role no mapping knows: it grants nothing. */
  'stranger',
] as const;
export type TestRole = (typeof TEST_ROLES)[number];

/** A running service, a sandbox behind it, and one token per role (token name = `<role>-user`). */
export interface Harness {
  readonly service: RunningService;
  readonly sandbox: Sandbox;
  readonly envId: string;
  readonly tokens: Readonly<Record<TestRole, string>>;
  readonly extraTokens: Record<string, string>;
  call(
    method: string,
    path: string,
    options?: { token?: string; body?: unknown; raw?: string; contentType?: string },
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** Reads a policy example change record. */
export function example(name: string): any {
  return parseYaml(readFileSync(new URL(`../../../policies/examples/${name}.yaml`, import.meta.url), 'utf8'));
}

/** Starts a sandbox seeded with `flags` (built for the policy's production environment) and the service in front of it. */
export async function startHarness(
  flags: (envId: string) => unknown[],
  config: Partial<ServiceConfigInput> = {},
  extraTokens: readonly { name: string; roles: string[]; kind?: 'user' | 'service' }[] = [],
  options: { readonly now?: () => Date } = {},
): Promise<Harness> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  const featgateToken = sandbox.tokens.issue('featgate');
  const tokens = {} as Record<TestRole, string>;
  const tokenConfigs = TEST_ROLES.map((role) => {
    tokens[role] = generateApiToken();
    return { name: `${role}-user`, sha256: hashApiToken(tokens[role]), roles: [role] };
  });
  const extra: Record<string, string> = {};
  for (const token of extraTokens) {
    extra[token.name] = generateApiToken();
    tokenConfigs.push({
      name: token.name,
      sha256: hashApiToken(extra[token.name]!),
      roles: token.roles as [TestRole],
      ...(token.kind ? { kind: token.kind } : {}),
    });
  }
  // The harness's own admin adopts the seeded flags, so tests see only their own adoptions under `admin-user`.
  const seedAdmin = generateApiToken();
  tokenConfigs.push({ name: 'seed-admin', sha256: hashApiToken(seedAdmin), roles: ['admin'] });
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-server-'));
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      featbit: { apiUrl: sandbox.url, accessToken: featgateToken.token, sandbox: false },
      ...config,
      identity: { ...(config.identity ?? {}), tokens: tokenConfigs },
    }),
    { logger: silentLogger, ...(options.now ? { now: options.now } : {}) },
  );
  // featgate never approves a flag itself: let the bridge's first round finish, then seed the flags and adopt the
  // governed ones as an admin would (`featgate adopt`), so every test starts from approved baselines.
  await service.bridge?.reconciler.runOnce();
  await service.bridge?.queue.whenIdle(20_000);
  const seeded = flags(env.id) as { key: string; tags?: string[] }[];
  sandbox.control.seed({ flags: seeded, segments: [] });
  if (service.bridge) {
    for (const flag of seeded) {
      if (!resolveGovernedFlag(policy, env.id, { key: flag.key, tags: flag.tags ?? [] }).governed) continue;
      const adopted = await fetch(`${service.url}/v1/adoptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${seedAdmin}`, 'content-type': 'application/json' },
        body: JSON.stringify({ envId: env.id, flagKey: flag.key, reason: 'baseline for the test' }),
      });
      if (adopted.status !== 201)
        throw new Error(`adoption of ${flag.key} failed: ${adopted.status} ${await adopted.text()}`);
    }
  }
  return {
    service,
    sandbox,
    envId: env.id,
    tokens,
    extraTokens: extra,
    async call(method, path, options = {}) {
      const headers: Record<string, string> = {};
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      let body: string | undefined;
      if (options.raw !== undefined) body = options.raw;
      else if (options.body !== undefined) body = JSON.stringify(options.body);
      if (body !== undefined) headers['content-type'] = options.contentType ?? 'application/json';
      const response = await fetch(`${service.url}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body } : {}),
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        // plain text answers (metrics) stay text
      }
      return { status: response.status, body: parsed, headers: response.headers };
    },
    async close() {
      await service.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
