import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPolicyFile, DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { generateApiToken, hashApiToken } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example } from './service-harness.js';

const CLI = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const high = example('high-model-provider-change');
const highFlag = high.flags[0];
const ROLES = ['requester', 'admin', 'auditor', 'aiPlatformOwner', 'releaseOwner', 'service'] as const;

let sandbox: Sandbox;
let dir: string;
const children: ChildProcess[] = [];
const urls: string[] = [];
const tokens: Record<string, string> = {};

function startServe(env: NodeJS.ProcessEnv, config: string): Promise<string> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--config', config], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stderr = '';
  child.stderr!.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on('line', (line) => {
      const match = /^featgate listening on (\S+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
}

async function call(
  url: string,
  method: string,
  path: string,
  token: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

beforeAll(async () => {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  sandbox = await createSandbox({
    seeds: [[jsonFlag(env.id, highFlag.key, [{ id: 'current', name: 'current', value: highFlag.baseline }])]],
    environments: [{ id: env.id, name: env.name }],
    logger: silentLogger,
  });
  dir = mkdtempSync(join(tmpdir(), 'featgate-two-'));
  const identity = ROLES.map((role) => {
    tokens[role] = generateApiToken();
    return { name: `${role}-user`, sha256: hashApiToken(tokens[role]!), roles: [role] };
  });
  const config = join(dir, 'featgate.yaml');
  writeFileSync(config, stringify({ host: '127.0.0.1', featbit: { sandbox: false }, identity: { tokens: identity } }));
  const environment: NodeJS.ProcessEnv = {
    ...process.env,
    REDIS_URL: testRedisUrl(),
    FEATGATE_REDIS_PREFIX: uniquePrefix('two-serve'),
    FEATBIT_API_URL: sandbox.url,
    FEATBIT_ACCESS_TOKEN: sandbox.tokens.issue('featgate').token,
    LOG_LEVEL: 'warn',
  };
  for (const name of ['FEATGATE_SIGNING_KEY', 'FEATGATE_REDACTION_KEY', 'FEATGATE_CONFIG'] as const)
    delete environment[name];
  const dataDirs = ['a', 'b'].map((name) => mkdtempSync(join(dir, `data-${name}-`)));
  urls.push(
    ...(await Promise.all(
      dataDirs.map((dataDir) => startServe({ ...environment, FEATGATE_DATA_DIR: dataDir }, config)),
    )),
  );
}, 60_000);

afterAll(async () => {
  for (const child of children) {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('two serve processes on one Redis', () => {
  it('turn concurrent approvals sent to either into one consistent change state and one valid chain, with one set of generated keys', async () => {
    const [a, b] = urls as [string, string];
    const ready = await fetch(`${a}/readyz`).then(
      (answer) => answer.json() as Promise<{ checks: { name: string; ok: boolean }[] }>,
    );
    expect(ready.checks).toEqual([
      { name: 'redis', ok: true },
      { name: 'featbit', ok: true },
      { name: 'featbit-governance', ok: true },
    ]);
    expect(
      (
        await call(a, 'POST', '/v1/adoptions', tokens.admin!, {
          envId: sandbox.envs[0]!.id,
          flagKey: highFlag.key,
          reason: 'baseline',
        })
      ).status,
    ).toBe(201);
    const keys = Array.from({ length: 6 }, (_, index) => `parallel-change-${index}`);
    await Promise.all(
      keys.map(async (key, index) => {
        const created = await call(index % 2 ? a : b, 'POST', '/v1/changes', tokens.requester!, { ...high, key });
        expect(created.status).toBe(201);
        for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
          const attached = await call(index % 2 ? b : a, 'POST', `/v1/changes/${key}/evidence`, tokens.service!, {
            type: requirement.anyOf[0],
            summary: 'done',
            result: 'passed',
          });
          expect(attached.status).toBe(201);
        }
      }),
    );
    const reviews = keys.flatMap((key) => [
      call(a, 'POST', `/v1/changes/${key}/reviews`, tokens.aiPlatformOwner!, { decision: 'approve', comment: 'via a' }),
      call(b, 'POST', `/v1/changes/${key}/reviews`, tokens.releaseOwner!, { decision: 'approve', comment: 'via b' }),
    ]);
    for (const answer of await Promise.all(reviews)) expect(answer.status).toBe(201);

    for (const key of keys) {
      const [fromA, fromB] = await Promise.all([
        call(a, 'GET', `/v1/changes/${key}`, tokens.auditor!),
        call(b, 'GET', `/v1/changes/${key}`, tokens.auditor!),
      ]);
      expect(fromA.body.status).toBe('approved');
      expect(fromB.body).toEqual(fromA.body);
      const approvals = await call(b, 'GET', `/v1/audit?change=${key}&type=change.status-changed`, tokens.auditor!);
      expect(approvals.body.entries.map((entry: any) => entry.data.status)).toEqual(['approved']);
    }
    const verified = await call(a, 'GET', '/v1/audit/verify', tokens.auditor!);
    expect(verified.body).toMatchObject({ ok: true });

    const redactionHashes = new Set<string>();
    for (const [index, key] of keys.entries()) {
      const view = await call(index % 2 ? a : b, 'GET', `/v1/changes/${key}`, tokens.auditor!);
      const candidate = view.body.record.flags[0].candidate.apiKey;
      expect(candidate).toMatchObject({ $redacted: true, hmacSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
      redactionHashes.add(candidate.hmacSha256);
    }
    expect(redactionHashes.size).toBe(1);
    const manifests = await Promise.all(
      urls.map((url) => fetch(`${url}/v1/envs/${sandbox.envs[0]!.id}/manifest`).then((answer) => answer.text())),
    );
    expect(decodeProtectedHeader(manifests[0]!).kid).toBe(decodeProtectedHeader(manifests[1]!).kid);
  });

  it('create one change when the same key is opened through both processes at once', async () => {
    const key = 'opened-twice-at-once';
    const answers = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        call(urls[index % 2]!, 'POST', '/v1/changes', tokens.requester!, { ...high, key }),
      ),
    );
    expect(answers.map((answer) => answer.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    const created = await call(urls[0]!, 'GET', `/v1/audit?change=${key}&type=change.created`, tokens.auditor!);
    expect(created.body.entries).toHaveLength(1);
  });
});
