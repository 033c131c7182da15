import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../support/private-redis.js';
import { startHarness, type Harness } from '../server/service-harness.js';

const bin = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const dirs: string[] = [];
let h: Harness;

beforeAll(async () => {
  h = await startHarness(() => []);
}, 60_000);

afterAll(async () => {
  await h?.close();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

function emptyDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'featgate-local-'));
  dirs.push(dir);
  return dir;
}

/** Runs the CLI with only the given featgate variables set (none inherited from the test's shell). */
function featgate(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(FEATGATE_(?!FROM_SOURCE)|REDIS_URL)/.test(name)),
  );
  const child = spawn(process.execPath, [bin, ...args], { env: { ...clean, ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('local-store commands say which store they read and never hand out a key the service does not use', () => {
  it('featgate keys refuses to print a key when the configured Redis is unreachable', async () => {
    const port = await freePort();
    const result = await featgate(['keys'], { REDIS_URL: `redis://127.0.0.1:${port}`, FEATGATE_DATA_DIR: emptyDir() });
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`cannot reach Redis at 127.0.0.1:${port}`);
    expect(result.stderr).toContain('no key is printed');
  });

  it('featgate keys says when it generated a new key, and where it keeps it', async () => {
    const dataDir = emptyDir();
    const first = await featgate(['keys'], { FEATGATE_DATA_DIR: dataDir });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`generated a NEW signing key at ${join(dataDir, 'signing-key.json')}`);
    const second = await featgate(['keys'], { FEATGATE_DATA_DIR: dataDir });
    expect(second.stderr).toContain(`public key of the signing key kept at ${join(dataDir, 'signing-key.json')}`);
    expect(JSON.parse(second.stdout)).toEqual(JSON.parse(first.stdout));
  });

  it('featgate keys with FEATGATE_URL prints the key the running service signs manifests with', async () => {
    const result = await featgate(['keys'], { FEATGATE_URL: h.service.url, FEATGATE_DATA_DIR: emptyDir() });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toContain(`the service at ${h.service.url} signs manifests with`);
    const jwk = JSON.parse(result.stdout);
    expect(jwk).not.toHaveProperty('d');
    const manifest = await fetch(`${h.service.url}/v1/envs/${h.envId}/manifest`, {
      headers: { authorization: `Bearer ${h.tokens.auditor}` },
    });
    const text = await manifest.text();
    const jws = text.startsWith('{') ? ((JSON.parse(text) as { jws?: string }).jws ?? text) : text;
    expect(decodeProtectedHeader(jws).kid).toBe(jwk.kid);
  });

  it('featgate audit verify names the store it read and warns when it is empty', async () => {
    const dataDir = emptyDir();
    const local = await featgate(['audit', 'verify', '--data-dir', dataDir], {});
    expect(local.code).toBe(0);
    expect(local.stdout).toMatch(/^ok: 0 entries/);
    expect(local.stderr).toContain(`verified the embedded ledger in ${dataDir}`);
    expect(local.stderr).toContain('it holds no entries');

    const viaService = await featgate(['audit', 'verify'], {
      FEATGATE_URL: h.service.url,
      FEATGATE_TOKEN: h.tokens.auditor,
    });
    expect(viaService.code, viaService.stderr).toBe(0);
    expect(viaService.stderr).toContain(`asking the service at ${h.service.url}`);
    expect(viaService.stdout).toMatch(/^ok: \d+ entries/);
    expect(viaService.stderr).not.toContain('it holds no entries');
  });
});
