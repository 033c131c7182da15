import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../policies/index.js';
import { serviceConfigSchema } from '../../src/config/index.js';
import { generateApiToken, hashApiToken } from '../../src/identity/index.js';
import { silentLogger } from '../../src/logging/index.js';
import { createSandbox } from '../../src/sandbox/index.js';
import { startService } from '../../src/server/index.js';
import type { BenchContext } from './bench-context.js';

const CONCURRENCY = 16;
const DURATION_MS = 1500;

/** Requests per second of `request` with CONCURRENCY callers for about DURATION_MS (loopback, bounded). */
async function requestsPerSecond(request: (worker: number, n: number) => Promise<Response>): Promise<number> {
  let count = 0;
  const start = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, worker) => {
      for (let n = 0; performance.now() - start < DURATION_MS; n += 1) {
        const response = await request(worker, n);
        await response.arrayBuffer();
        if (!response.ok) throw new Error(`bench request failed with ${response.status}`);
        count += 1;
      }
    }),
  );
  return (count * 1000) / (performance.now() - start);
}

/** Change read and review submit throughput of one `serve` process on Redis, against GET /healthz as baseline. */
export async function run(ctx: BenchContext): Promise<void> {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const envId = policy.environments[0]!.id;
  const record = parseYaml(
    readFileSync(new URL('../../policies/examples/high-model-provider-change.yaml', import.meta.url), 'utf8'),
  );
  const sandbox = await createSandbox({ environments: [{ id: envId, name: 'production' }], logger: silentLogger });
  const requester = generateApiToken();
  const reviewer = generateApiToken();
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-bench-'));
  const service = await startService(
    serviceConfigSchema.parse({
      port: 0,
      dataDir,
      redisUrl: await ctx.redisUrl(),
      redisPrefix: `bench:service:${process.pid}:${Date.now()}:`,
      featbit: { apiUrl: sandbox.url, accessToken: sandbox.tokens.demo.token, sandbox: false },
      // the bench measures throughput: one reviewer submits far more than a person's write budget (0 = unlimited)
      rateLimits: { writes: 0 },
      identity: {
        tokens: [
          { name: 'bench-requester', sha256: hashApiToken(requester), roles: ['requester'] },
          { name: 'bench-reviewer', sha256: hashApiToken(reviewer), roles: ['aiPlatformOwner'] },
        ],
      },
    }),
    { logger: silentLogger },
  );
  try {
    const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });
    const keys = Array.from({ length: CONCURRENCY }, (_, index) => `bench-change-${index}`);
    for (const key of keys) {
      const created = await fetch(`${service.url}/v1/changes`, {
        method: 'POST',
        headers: headers(requester),
        body: JSON.stringify({ ...record, key }),
      });
      if (created.status !== 201) throw new Error(`could not create ${key}: ${await created.text()}`);
    }
    const baseline = await requestsPerSecond(() => fetch(`${service.url}/healthz`));
    ctx.report('service GET /healthz (baseline)', baseline, 'req/s', `${CONCURRENCY} concurrent, loopback`);
    const reads = await requestsPerSecond((worker) =>
      fetch(`${service.url}/v1/changes/${keys[worker]}`, { headers: headers(reviewer) }),
    );
    ctx.report('service change read (Redis)', reads, 'req/s', `${(reads / baseline).toFixed(2)}x of /healthz`);
    const reviews = await requestsPerSecond((worker, n) =>
      fetch(`${service.url}/v1/changes/${keys[worker]}/reviews`, {
        method: 'POST',
        headers: headers(reviewer),
        body: JSON.stringify({ decision: 'approve', comment: `bench ${n}` }),
      }),
    );
    ctx.report('service review submit (Redis)', reviews, 'req/s', `${(reviews / baseline).toFixed(2)}x of /healthz`);
  } finally {
    await service.close();
    await sandbox.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
