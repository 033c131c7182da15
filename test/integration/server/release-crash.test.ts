import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../../policies/index.js';
import { generateApiToken, hashApiToken } from '../../../src/identity/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { createSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';

const CLI = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const FLAG = 'crash-model-route';
const CURRENT = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 800 };
const CANDIDATE = { provider: 'openai', model: 'gpt-4o', region: 'eu', latencyTargetMs: 1200 };
const ROLES = ['admin', 'requester', 'aiPlatformOwner', 'releaseOwner', 'auditor', 'service'] as const;

let sandbox: Sandbox;
let dir: string;
let envId: string;
let config: string;
let environment: NodeJS.ProcessEnv;
const tokens: Record<string, string> = {};
const children: ChildProcess[] = [];

/** Starts `featgate serve` on the shared Redis prefix and resolves with the process and its URL once it listens. */
function serve(): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--port', '0', '--config', config], {
    env: environment,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const match = /^featgate listening on (\S+)/.exec(line);
      if (match) resolve({ child, url: match[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}`)));
  });
}

async function call(
  url: string,
  method: string,
  path: string,
  role: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const response = await fetch(`${url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${tokens[role]}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: response.status, body: await response.json() };
}

/** The candidate's share of the default rule as FeatBit holds the flag now. */
function candidateShare(): number {
  const flag = sandbox.control.store.rawFlag(envId, FLAG) as unknown as {
    fallthrough: { variations: { id: string; rollout: [number, number] }[] };
    variations: { id: string; value: string }[];
  };
  const candidateIds = new Set(
    flag.variations
      .filter((variation) => JSON.parse(variation.value).latencyTargetMs === 1200)
      .map((variation) => variation.id),
  );
  return flag.fallthrough.variations
    .filter((rollout) => candidateIds.has(rollout.id))
    .reduce((sum, rollout) => sum + rollout.rollout[1] - rollout.rollout[0], 0);
}

beforeAll(async () => {
  const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
  const env = policy.environments[0]!;
  envId = env.id;
  sandbox = await createSandbox({ environments: [{ id: env.id, name: env.name }], logger: silentLogger });
  dir = mkdtempSync(join(tmpdir(), 'featgate-release-crash-'));
  const identity = ROLES.map((role) => {
    tokens[role] = generateApiToken();
    return {
      name: `${role}-user`,
      sha256: hashApiToken(tokens[role]!),
      roles: [role],
      kind: role === 'service' ? 'service' : 'user',
    };
  });
  config = join(dir, 'featgate.yaml');
  writeFileSync(config, stringify({ host: '127.0.0.1', featbit: { sandbox: false }, identity: { tokens: identity } }));
  environment = {
    ...process.env,
    REDIS_URL: testRedisUrl(),
    FEATGATE_REDIS_PREFIX: uniquePrefix('release-crash'),
    FEATGATE_DATA_DIR: dir,
    FEATBIT_API_URL: sandbox.url,
    FEATBIT_ACCESS_TOKEN: sandbox.tokens.issue('featgate-bot').token,
    LOG_LEVEL: 'error',
  };
  for (const name of ['FEATGATE_SIGNING_KEY', 'FEATGATE_REDACTION_KEY', 'FEATGATE_CONFIG'] as const)
    delete environment[name];
}, 60_000);

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await sandbox?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('a release killed between its FeatBit write and its ledger entry', () => {
  it('is reverted to the approved state after the restart, the change stays approved, and the stage can be applied again', async () => {
    const first = await serve();
    sandbox.control.seed({
      flags: [
        jsonFlag(envId, FLAG, [
          { id: 'current', name: 'current', value: CURRENT },
          { id: 'candidate', name: 'candidate', value: CANDIDATE },
        ]),
      ],
      segments: [],
    });
    expect(
      (await call(first.url, 'POST', '/v1/adoptions', 'admin', { envId, flagKey: FLAG, reason: 'baseline' })).status,
    ).toBe(201);
    const key = 'crash-latency';
    const record = {
      key,
      title: 'Looser latency target',
      owner: 'ai-platform',
      service: 'summaries',
      environment: 'production',
      affectedWorkflow: 'summaries',
      requester: 'x',
      flags: [
        {
          key: FLAG,
          surface: 'modelRoute',
          baseline: CURRENT,
          candidate: CANDIDATE,
          candidateVariationId: 'candidate',
        },
      ],
      behaviourChange: 'summaries may take longer',
      impact: { data: 'none', cost: 'none', latency: '+400 ms', safety: 'none', support: 'none', compliance: 'none' },
      release: {
        decisionOwner: 'ai-platform',
        stages: [
          { name: 'pilot', audience: 'everyone', percentage: 20, minDuration: '1h' },
          { name: 'all', audience: 'everyone', percentage: 100, minDuration: '1h' },
        ],
      },
      cleanup: { kind: 'durable' },
    };
    const created = await call(first.url, 'POST', '/v1/changes', 'requester', record);
    expect(created.status).toBe(201);
    for (const requirement of created.body.decision.missing.evidence as { anyOf: string[] }[]) {
      expect(
        (
          await call(first.url, 'POST', `/v1/changes/${key}/evidence`, 'service', {
            type: requirement.anyOf[0],
            summary: 'ci',
            result: 'passed',
            link: 'https://ci.example.com/1',
          })
        ).status,
      ).toBe(201);
    }
    expect(
      (await call(first.url, 'POST', `/v1/changes/${key}/reviews`, 'aiPlatformOwner', { decision: 'approve' })).body
        .status,
    ).toBe('approved');

    // The process dies the instant FeatBit stores the stage, before it hears back: no approved state, no stage entry.
    const unsubscribe = sandbox.control.store.onChange((change) => {
      if (change.kind === 'flag' && candidateShare() > 0) first.child.kill('SIGKILL');
    });
    await call(first.url, 'POST', `/v1/changes/${key}/release/apply-stage`, 'releaseOwner', {}).catch(() => undefined);
    unsubscribe();
    if (first.child.exitCode === null && first.child.signalCode === null)
      await new Promise((resolve) => first.child.once('exit', resolve));
    expect(candidateShare()).toBeCloseTo(0.2, 10);

    // The restarted service finds a write the ledger does not account for and restores the approved state.
    const second = await serve();
    for (let attempt = 0; attempt < 100 && candidateShare() > 0; attempt += 1)
      await new Promise((resolve) => setTimeout(resolve, 100));
    expect(candidateShare()).toBe(0);
    const change = await call(second.url, 'GET', `/v1/changes/${key}`, 'auditor');
    expect(change.body).toMatchObject({ status: 'approved', release: { stageIndex: null } });
    const stages = await call(second.url, 'GET', `/v1/audit?change=${key}&type=release.stage-applied`, 'auditor');
    expect(stages.body.entries).toEqual([]);

    // Nothing is lost: the release owner applies the stage again and it holds.
    const again = await call(second.url, 'POST', `/v1/changes/${key}/release/apply-stage`, 'releaseOwner', {});
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    expect(candidateShare()).toBeCloseTo(0.2, 10);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(candidateShare()).toBeCloseTo(0.2, 10);
  }, 90_000);
});
