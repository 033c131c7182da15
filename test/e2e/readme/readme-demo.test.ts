import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/private-redis.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

/** The shell blocks of the README, in order, exactly as written. */
function readmeShellBlocks(readme: string): string[] {
  return [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
}

/** Environment of a newcomer's shell: no test-runner settings leak into the commands. */
function newcomerEnv(port: number): NodeJS.ProcessEnv {
  const { FEATGATE_FROM_SOURCE: _source, VITEST: _vitest, NODE_OPTIONS: _options, ...env } = process.env;
  return { ...env, PORT: String(port), LOG_LEVEL: 'warn' };
}

describe("the README's quick start and demo, verbatim on a fresh clone", () => {
  const clone = mkdtempSync(join(tmpdir(), 'featgate-readme-'));
  let server: ChildProcess | undefined;

  afterAll(() => {
    if (server?.pid) {
      try {
        process.kill(-server.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(clone, { recursive: true, force: true });
  });

  it('reverts the flag admin edit, opens a proposal and the example app serves only approved values', async () => {
    execFileSync('git', ['clone', '--quiet', repo, clone]);
    const [quickStart, demo] = readmeShellBlocks(readFileSync(join(clone, 'README.md'), 'utf8'));
    const startLine = quickStart!.split('\n').find((line) => line.startsWith('npm ci && npm start'))!;
    const port = await freePort();
    const env = newcomerEnv(port);
    server = spawn('bash', ['-c', startLine.replace(/#.*$/, '')], {
      cwd: clone,
      env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let banner = '';
    server.stdout!.on('data', (chunk: Buffer) => (banner += chunk.toString('utf8')));
    server.stderr!.on('data', (chunk: Buffer) => (banner += chunk.toString('utf8')));
    const deadline = Date.now() + 240_000;
    while (!banner.includes('next steps')) {
      if (Date.now() > deadline || server.exitCode !== null) throw new Error(`npm start did not come up:\n${banner}`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(banner).toContain(`featgate listening on http://127.0.0.1:${port}`);

    const output = execFileSync('bash', ['-e', '-c', demo!], { cwd: clone, env, encoding: 'utf8', timeout: 120_000 });

    expect(output).toMatch(/featgate restored the approved configuration in FeatBit after \d+ ms/);
    const appLines = output.split('\n').filter((line) => / support-assistant-prompt for user-\d: /.test(line));
    expect(appLines.length).toBeGreaterThan(0);
    for (const line of appLines)
      expect(line).toContain('prompt-current {"template":"You are a helpful support assistant.');
    expect(output).toMatch(/^edit-support-assistant-prompt-\S+\tproposed\t.*by flag-admin$/m);
    expect(output).toMatch(/\tfeatbit\.edit-reverted\t/);
    expect(output).toMatch(/^ok: \d+ entries/m);
  }, 420_000);
});
