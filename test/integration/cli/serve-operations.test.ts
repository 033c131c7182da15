import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort, startPrivateRedis } from '../../support/private-redis.js';

const bin = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const running: ChildProcess[] = [];
const dirs: string[] = [];

interface Serve {
  readonly child: ChildProcess;
  output(): string;
  errors(): string;
  /** Resolves with the exit code and how long after `since` the process was gone. */
  exited(since: number): Promise<{ code: number | null; afterMs: number }>;
}

function serve(args: string[], env: Record<string, string> = {}): Serve {
  const dataDir = mkdtempSync(join(tmpdir(), 'featgate-ops-'));
  dirs.push(dataDir);
  const child = spawn(process.execPath, [bin, 'serve', ...args], {
    env: { ...process.env, FEATGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn', LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.push(child);
  let out = '';
  let err = '';
  child.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    errors: () => err,
    exited: async (since) => ({ code: await exit, afterMs: Date.now() - since }),
  };
}

async function until(check: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

afterEach(() => {
  for (const child of running.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('featgate serve, operated', () => {
  it('refuses a busy port with one line before anything starts (no sandbox, no ledger)', async () => {
    const port = await freePort();
    const holder: Server = createServer();
    await new Promise<void>((resolve) => holder.listen(port, '127.0.0.1', resolve));
    try {
      const service = serve(['--port', String(port)], { HOST: '127.0.0.1' });
      const { code } = await service.exited(Date.now());
      expect(code).toBe(2);
      expect(service.errors().trim().split('\n')).toEqual([
        `featgate: port ${port} on 127.0.0.1 is already in use: stop what holds it, or choose another with --port or PORT`,
      ]);
      expect(service.output()).toBe('');
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  }, 30_000);

  it('stops within a few seconds on SIGTERM while Redis is unreachable and it is still starting', async () => {
    const service = serve(['--port', '0'], { REDIS_URL: `redis://127.0.0.1:${await freePort()}` });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(service.child.exitCode).toBeNull();
    const sent = Date.now();
    service.child.kill('SIGTERM');
    const { afterMs } = await service.exited(sent);
    expect(afterMs).toBeLessThan(6_000);
  }, 30_000);

  it('stops within a few seconds on SIGTERM when Redis went down while it was running', async () => {
    const redis = await startPrivateRedis();
    let redisDown = false;
    try {
      const service = serve(['--port', '0'], { REDIS_URL: redis.url, FEATGATE_REDIS_PREFIX: 'ops-test:' });
      await until(() => service.output().includes('featgate listening'), 30_000, 'the service on Redis');
      await redis.stop(true);
      redisDown = true;
      const sent = Date.now();
      service.child.kill('SIGTERM');
      const { afterMs } = await service.exited(sent);
      expect(afterMs).toBeLessThan(7_000);
    } finally {
      if (!redisDown) await redis.stop();
    }
  }, 60_000);

  it('closes and exits 0 on SIGTERM once running, and keeps its demo tokens for the next start', async () => {
    const first = serve(['--port', '0']);
    await until(() => first.output().includes('next steps'), 30_000, 'the demo banner');
    const tokens = (text: string) =>
      [...text.matchAll(/^ {2}([\w-]+) +(fgt_\S+)$/gm)].map((match) => [match[1], match[2]]);
    const printed = tokens(first.output());
    expect(printed.map(([role]) => role)).toEqual(
      expect.arrayContaining([
        'admin',
        'requester',
        'incidentCommander',
        'safetyOwner',
        'compliance',
        'releaseOwner',
        'flag-admin',
      ]),
    );
    const dataDir = dirs.at(-1)!;
    expect(JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')).tokens).toEqual(Object.fromEntries(printed));
    // An approved change of FeatBit before the restart: the incident commander breaks glass on the model route.
    const firstUrl = /featgate listening on (\S+)/.exec(first.output())![1]!;
    const demo = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as { sandbox: { envId: string } };
    const glass = await fetch(`${firstUrl}/v1/break-glass`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${Object.fromEntries(printed)['incidentCommander']}`,
        'content-type': 'application/json',
      },
      body: JSON.stringify({
        environment: demo.sandbox.envId,
        flagKey: 'support-model-route',
        incidentReference: 'INC-7',
        reason: 'provider down',
        duration: '1h',
        serve: { value: { provider: 'fallback', model: 'small' } },
      }),
    });
    expect(glass.status, await glass.clone().text()).toBe(201);
    const sent = Date.now();
    first.child.kill('SIGTERM');
    expect((await first.exited(sent)).code).toBe(0);

    const again = spawn(process.execPath, [bin, 'serve', '--port', '0'], {
      env: { ...process.env, FEATGATE_DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    running.push(again);
    let output = '';
    again.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    await until(() => output.includes('next steps'), 30_000, 'the restarted demo banner');
    expect(tokens(output)).toEqual(printed);

    // The restarted demo continues the same story: its sandbox starts from the approved state in the ledger, so
    // nothing is adopted again and no restart shows up as an edit accepted from an unknown FeatBit operator.
    const url = /featgate listening on (\S+)/.exec(output)![1]!;
    const admin = Object.fromEntries(printed)['admin']!;
    const ledger = async (type: string) => {
      const answer = await fetch(`${url}/v1/audit?type=${type}&limit=1000`, {
        headers: { authorization: `Bearer ${admin}` },
      });
      return ((await answer.json()) as { entries: { subject: string; actor: { id: string } }[] }).entries;
    };
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const adopted = await ledger('flag.adopted');
    expect(adopted.map((entry) => entry.subject).sort()).toEqual(
      [...new Set(adopted.map((entry) => entry.subject))].sort(),
    );
    expect(adopted).toHaveLength(2);
    expect(await ledger('featbit.edit-accepted')).toEqual([]);
    expect(await ledger('featbit.edit-reverted')).toEqual([]);
    const restarted = JSON.parse(readFileSync(join(dataDir, 'demo.json'), 'utf8')) as {
      sandbox: { url: string; envId: string; adminToken: string };
    };
    const served = await fetch(
      `${restarted.sandbox.url}/api/v1/envs/${restarted.sandbox.envId}/feature-flags/support-model-route`,
      { headers: { authorization: restarted.sandbox.adminToken } },
    );
    const flag = (
      (await served.json()) as {
        data: { variations: { id: string; value: string }[]; fallthrough: { variations: { id: string }[] } };
      }
    ).data;
    const live = flag.variations.find((variation) => variation.id === flag.fallthrough.variations[0]!.id)!;
    expect(JSON.parse(live.value)).toEqual({ provider: 'fallback', model: 'small' });
  }, 90_000);
});
