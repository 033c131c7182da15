import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { example, jsonFlag, startHarness, type Harness } from './service-harness.js';

const CLI = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const high = example('high-model-provider-change');
let h: Harness;
let dir: string;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, high.flags[0].key, [
        { id: 'current', name: 'current', value: high.flags[0].baseline },
        { id: 'mistral', name: 'mistral', value: high.flags[0].candidate },
      ]),
    ],
    {},
    [{ name: 'kim', roles: ['requester', 'aiPlatformOwner'] }],
  );
  dir = mkdtempSync(join(tmpdir(), 'featgate-cli-'));
});

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function featgate(args: string[], token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args, '--url', h.service.url], { env: { ...process.env, FEATGATE_TOKEN: token } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('CLI verbs over the API', () => {
  it('adopts, opens a change from YAML, refuses the requester own approval with exit 1, and queries the audit', async () => {
    const adopt = await featgate(['adopt', h.envId, high.flags[0].key, '--reason', 'baseline', '--json'], h.tokens.admin);
    expect(adopt.code).toBe(0);
    expect(JSON.parse(adopt.stdout)).toMatchObject({ flagKey: high.flags[0].key, baselineVariationId: 'current' });

    const file = join(dir, 'change.yaml');
    writeFileSync(file, stringify({ ...high, flags: [{ ...high.flags[0], candidateVariationId: 'mistral' }] }));
    const created = await featgate(['change', 'create', file], h.extraTokens.kim!);
    expect(created.code).toBe(0);
    expect(created.stdout).toContain(`${high.key}\tproposed\ttier high`);

    const own = await featgate(['review', 'approve', high.key, '--json'], h.extraTokens.kim!);
    expect(own.code).toBe(1);
    expect(JSON.parse(own.stdout)).toMatchObject({ status: 403, code: 'POLICY_VIOLATION' });
    expect(own.stderr).toContain('separation of duties');

    const evidence = await featgate(['evidence', 'add', high.key, '--type', 'offlineEval', '--summary', 'eval ok', '--result', 'passed'], h.tokens.requester);
    expect(evidence.code).toBe(0);
    const invalid = await featgate(['evidence', 'add', high.key, '--type', 'vibes', '--summary', 's', '--result', 'passed', '--json'], h.tokens.requester);
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout).errors[0].path).toBe('type');

    const listed = await featgate(['change', 'list', '--tier', 'high', '--json'], h.tokens.auditor);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items.map((item: { key: string }) => item.key)).toEqual([high.key]);

    const audit = await featgate(['audit', 'query', '--change', high.key], h.tokens.auditor);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('change.created');
    expect(audit.stdout).toContain('evidence.attached');

    const unreachable = spawn(process.execPath, [CLI, 'change', 'show', high.key, '--url', 'http://127.0.0.1:1'], { env: { ...process.env, FEATGATE_TOKEN: 'x' } });
    expect(await new Promise((resolve) => unreachable.on('exit', resolve))).toBe(2);
  });
});
