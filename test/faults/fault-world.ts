import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { serviceConfigSchema } from '../../src/config/index.js';
import { WebhookEvent } from '../../src/featbit/model/index.js';
import { generateApiToken, hashApiToken } from '../../src/identity/index.js';
import { createLogger, silentLogger } from '../../src/logging/index.js';
import { createSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { startService, type RunningService } from '../../src/server/index.js';
import { jsonFlag } from '../support/json-flag.js';
import { startFeatBitProxy, type FeatBitProxy } from './featbit-proxy.js';

const CURRENT = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 800 };
const CANDIDATE = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 1200 };

/** A governed model-route flag (the default policy governs `*-model-route`) serving its candidate to `share` of users. */
export function routeFlag(envId: string, key: string, share: number): Record<string, unknown> {
  const flag = jsonFlag(envId, key, [
    { id: `${key}-current`, name: 'current', value: CURRENT },
    { id: `${key}-candidate`, name: 'candidate', value: CANDIDATE },
  ]) as Record<string, unknown>;
  return share > 0 ? { ...flag, fallthrough: fallthrough(key, share) } : flag;
}

/** FeatBit's default rule serving the candidate to `share` of users and the baseline to the rest. */
export function fallthrough(key: string, share: number): Record<string, unknown> {
  return {
    dispatchKey: null,
    includedInExpt: true,
    variations: [
      { id: `${key}-candidate`, rollout: [0, share], exptRollout: 1 },
      { id: `${key}-current`, rollout: [share, 1], exptRollout: 1 },
    ],
  };
}

/** One fault-matrix world: FeatBit (the sandbox), a proxy that faults featgate's side only, and featgate on Redis. */
export interface FaultWorld {
  readonly sandbox: Sandbox;
  readonly proxy: FeatBitProxy;
  readonly service: RunningService;
  readonly envId: string;
  readonly adminToken: string;
  /** The flag admin's FeatBit REST calls, straight to FeatBit. */
  featbit(method: string, path: string, body?: unknown): Promise<any>;
  /** A flag as FeatBit serves it now. */
  live(key: string): Promise<any>;
  /** How many writes featgate's token made to a flag, from FeatBit's audit log. */
  featgateWrites(key: string): Promise<number>;
  /**
   * Starts a second `featgate serve` process on the same Redis and FeatBit (through the proxy), sharing the job
   * queue with the in-process service, and resolves with it once it listens: a worker a row can kill -9.
   */
  spawnWorker(): Promise<ChildProcess>;
  close(): Promise<void>;
}

/** Starts a world with `flagCount` governed flags serving their baseline, adopted as approved baselines. */
export async function startFaultWorld(input: {
  redisUrl: string;
  prefix: string;
  flagCount: number;
  webhooks: boolean;
}): Promise<FaultWorld> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  const sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  const featgate = sandbox.tokens.issue('featgate-bot');
  const alice = sandbox.tokens.issue('alice');
  const proxy = await startFeatBitProxy(sandbox.url);
  const adminToken = generateApiToken();
  const secret = `whsec-${generateApiToken()}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-faults-'));
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      redisUrl: input.redisUrl,
      redisPrefix: input.prefix,
      // As in production with the stream trigger configured: FeatBit's SDK data-sync stream (not faulted by the proxy,
      // which sits in front of featgate's REST calls only) triggers a job for every flag it reports changed.
      featbit: {
        apiUrl: proxy.url,
        accessToken: featgate.token,
        sandbox: false,
        webhookSecret: [secret],
        evaluationUrl: sandbox.url,
        serverSecrets: { [env.id]: sandbox.envs[0]!.sdkSecret },
      },
      identity: { tokens: [{ name: 'admin-user', sha256: hashApiToken(adminToken), roles: ['admin'] }] },
    }),
    // FAULTS_LOG=debug (or info, warn) shows what featgate does during a row.
    { logger: process.env.FAULTS_LOG ? createLogger('featgate', process.env.FAULTS_LOG) : silentLogger },
  );
  const call = async (base: string, token: string, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: token, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return text ? JSON.parse(text) : undefined;
  };
  await service.bridge!.reconciler.runOnce();
  await service.bridge!.queue.whenIdle(60_000);
  // featgate never approves flags itself (a flag nobody approved is switched off): seed after its first round, then adopt.
  sandbox.control.seed({
    flags: Array.from({ length: input.flagCount }, (_, index) => routeFlag(env.id, `fault-${index}-model-route`, 0)),
    segments: [],
  });
  const adopted = new Set(
    (await service.workflow.queryAudit({ type: 'flag.adopted', afterSeq: 0, limit: 100_000 })).map(
      (entry) => entry.subject,
    ),
  );
  for (let index = 0; index < input.flagCount; index += 1) {
    const flagKey = `fault-${index}-model-route`;
    if (adopted.has(`flag:${env.id}/${flagKey}`)) continue;
    const answer = await fetch(`${service.url}/v1/adoptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ envId: env.id, flagKey, reason: 'fault matrix baseline' }),
    });
    if (answer.status !== 201)
      throw new Error(`adoption of ${flagKey} failed: ${answer.status} ${await answer.text()}`);
  }
  const workers: ChildProcess[] = [];
  const cli = fileURLToPath(new URL('../../src/cli/featgate.mjs', import.meta.url));
  if (input.webhooks)
    sandbox.control.configureWebhook({
      url: `${service.url}/webhooks/featbit`,
      secret,
      events: Object.values(WebhookEvent),
      retryDelayMs: 2_000,
    });
  return {
    sandbox,
    proxy,
    service,
    envId: env.id,
    adminToken,
    featbit: (method, path, body) => call(sandbox.url, alice.token, method, path, body),
    live: async (key) =>
      (await call(sandbox.url, alice.token, 'GET', `/api/v1/envs/${env.id}/feature-flags/${key}`)).data,
    async featgateWrites(key) {
      const flag = (await call(sandbox.url, alice.token, 'GET', `/api/v1/envs/${env.id}/feature-flags/${key}`)).data;
      const logs = await call(
        sandbox.url,
        alice.token,
        'GET',
        `/api/v1/envs/${env.id}/audit-logs?refId=${flag.id}&refType=FeatureFlag&pageSize=1000`,
      );
      return (logs.data.items as { creatorName: string }[]).filter((item) => item.creatorName === 'featgate-bot')
        .length;
    },
    async spawnWorker() {
      const workerDir = mkdtempSync(join(dataDir, 'worker-'));
      const config = join(workerDir, 'featgate.yaml');
      writeFileSync(
        config,
        stringify({
          host: '127.0.0.1',
          featbit: { apiUrl: proxy.url, accessToken: featgate.token, sandbox: false, webhookSecret: [secret] },
          identity: { tokens: [{ name: 'admin-user', sha256: hashApiToken(adminToken), roles: ['admin'] }] },
        }),
      );
      const env: NodeJS.ProcessEnv = {
        ...process.env,
        FEATGATE_FROM_SOURCE: '1',
        REDIS_URL: input.redisUrl,
        FEATGATE_REDIS_PREFIX: input.prefix,
        FEATGATE_DATA_DIR: workerDir,
        LOG_LEVEL: 'error',
      };
      for (const name of [
        'FEATGATE_SIGNING_KEY',
        'FEATGATE_REDACTION_KEY',
        'FEATGATE_CONFIG',
        'FEATBIT_API_URL',
        'FEATBIT_ACCESS_TOKEN',
      ] as const)
        delete env[name];
      const child = spawn(process.execPath, [cli, 'serve', '--port', '0', '--config', config], {
        env,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      workers.push(child);
      await new Promise<void>((resolve, reject) => {
        createInterface({ input: child.stdout! }).on(
          'line',
          (line) => line.startsWith('featgate listening on') && resolve(),
        );
        child.once('exit', (code) => reject(new Error(`the second serve process exited with ${code}`)));
      });
      return child;
    },
    async close() {
      for (const worker of workers) if (worker.exitCode === null && worker.signalCode === null) worker.kill('SIGKILL');
      await service.close();
      await proxy.close();
      await sandbox.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
