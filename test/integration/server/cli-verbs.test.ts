import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

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
  const child = spawn(process.execPath, [CLI, ...args, '--url', h.service.url], {
    env: { ...process.env, FEATGATE_TOKEN: token },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

describe('CLI verbs over the API', () => {
  it('adopts, opens a change from YAML, refuses the requester own approval with exit 1, and queries the audit', async () => {
    const adopt = await featgate(
      ['adopt', h.envId, high.flags[0].key, '--reason', 'baseline', '--json'],
      h.tokens.admin,
    );
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

    const evidence = await featgate(
      ['evidence', 'add', high.key, '--type', 'offlineEval', '--summary', 'eval ok', '--result', 'passed'],
      h.tokens.requester,
    );
    expect(evidence.code).toBe(0);
    const invalid = await featgate(
      ['evidence', 'add', high.key, '--type', 'vibes', '--summary', 's', '--result', 'passed', '--json'],
      h.tokens.requester,
    );
    expect(invalid.code).toBe(1);
    expect(JSON.parse(invalid.stdout).errors[0].path).toBe('type');

    const listed = await featgate(['change', 'list', '--tier', 'high', '--json'], h.tokens.auditor);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).items.map((item: { key: string }) => item.key)).toEqual([high.key]);

    const audit = await featgate(['audit', 'query', '--change', high.key], h.tokens.auditor);
    expect(audit.code).toBe(0);
    expect(audit.stdout).toContain('change.created');
    expect(audit.stdout).toContain('evidence.attached');

    const unreachable = spawn(process.execPath, [CLI, 'change', 'show', high.key, '--url', 'http://127.0.0.1:1'], {
      env: { ...process.env, FEATGATE_TOKEN: 'x' },
    });
    expect(await new Promise((resolve) => unreachable.on('exit', resolve))).toBe(2);
  }, 180_000);

  it('approves, applies a stage, holds, resumes and rolls back, exiting 1 for what the service refuses', async () => {
    const pending = await h.call('GET', `/v1/changes/${high.key}`, { token: h.tokens.auditor });
    for (const requirement of pending.body.decision.missing.evidence as { anyOf: string[] }[]) {
      const body = { type: requirement.anyOf[0], summary: 'done', result: 'passed' };
      expect(
        (await h.call('POST', `/v1/changes/${high.key}/evidence`, { token: h.tokens.requester, body })).status,
      ).toBe(201);
    }
    for (const token of [h.tokens.aiPlatformOwner, h.tokens.releaseOwner]) {
      const approved = await featgate(['review', 'approve', high.key, '--comment', 'ok'], token);
      expect(approved.code, approved.stderr).toBe(0);
    }
    const explained = await featgate(['policy', 'explain', high.key], h.tokens.auditor);
    expect(explained.code, explained.stderr).toBe(0);
    expect(explained.stdout).toContain(`${high.key} (revision 1, approved) is HIGH`);
    expect(explained.stdout).toContain(
      'model-provider-changed (high) on intent-router-model-route candidate at $.provider',
    );
    expect(explained.stdout).toContain('kim: requested the change: authors never approve');
    expect(explained.stdout).toContain('aiPlatformOwner-user: already approved');
    expect(explained.stdout).toMatch(/offlineEval passed \(attached by requester-user\): counts/);
    const stage = await featgate(['release', 'apply-stage', high.key], h.tokens.releaseOwner);
    expect(stage.code, stage.stderr).toBe(0);
    expect(stage.stdout).toContain(`${high.key}\treleasing`);
    expect(stage.stdout).toContain('stage 1 of 2 applied');
    // What FeatBit serves now, read back from FeatBit: the candidate on 1% of the default rule.
    expect(stage.stdout).toContain(`flag ${high.flags[0].key} in ${h.envId}, as FeatBit serves it now:`);
    expect(stage.stdout).toContain('default rule: candidate mistral 1%, current 99%');

    const status = await featgate(['release', 'status', high.key], h.tokens.auditor);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/applied: +1 of 2: canary, 1% of all users since \d{4}-/);
    expect(status.stdout).toMatch(/next: +2 of 2: everyone, 100% of all users; waits for:/);
    expect(status.stdout).toContain('stage 1 (canary) runs at least 24h, until ');
    expect(status.stdout).toContain('default rule: candidate mistral 1%, current 99%');
    const statusJson = JSON.parse((await featgate(['release', 'status', high.key, '--json'], h.tokens.auditor)).stdout);
    expect(statusJson.flags[0].featbit.slots.at(-1).shares).toEqual([
      expect.objectContaining({ variationId: 'mistral', candidate: true, share: 0.01 }),
      expect.objectContaining({ variationId: 'current', candidate: false, share: 0.99 }),
    ]);
    expect(statusJson.guardrails).toEqual([]);

    const shownReleasing = await featgate(['change', 'show', high.key], h.tokens.requester);
    expect(shownReleasing.code, shownReleasing.stderr).toBe(0);
    expect(shownReleasing.stdout).toMatch(/requester: +kim/);
    expect(shownReleasing.stdout).toContain(`flag ${high.flags[0].key} (${high.flags[0].surface})`);
    expect(shownReleasing.stdout).toMatch(/\* 1\. canary .*<- applied/);
    expect(shownReleasing.stdout).toMatch(/approve +aiPlatformOwner-user/);
    expect(shownReleasing.stdout).toMatch(/release\.stage-applied +releaseOwner-user/);
    const withdrawReleasing = await featgate(
      ['change', 'withdraw', high.key, '--reason', 'changed my mind', '--json'],
      h.extraTokens.kim!,
    );
    expect(withdrawReleasing.code).toBe(1);
    expect(JSON.parse(withdrawReleasing.stdout)).toMatchObject({ status: 409 });
    expect(withdrawReleasing.stderr).toContain('roll it back instead');
    expect(
      (await featgate(['release', 'hold', high.key, '--reason', 'error rate'], h.tokens.releaseOwner)).stdout,
    ).toContain('\theld\t');
    const whileHeld = await featgate(['release', 'apply-stage', high.key, '--json'], h.tokens.releaseOwner);
    expect(whileHeld.code).toBe(1);
    expect(JSON.parse(whileHeld.stdout).status).toBe(409);
    expect((await featgate(['release', 'resume', high.key], h.tokens.releaseOwner)).code).toBe(0);
    const rolledBack = await featgate(
      ['release', 'rollback', high.key, '--reason', 'latency', '--json'],
      h.tokens.releaseOwner,
    );
    expect(rolledBack.code).toBe(0);
    expect(JSON.parse(rolledBack.stdout).status).toBe('rolled-back');

    const shown = await featgate(['change', 'show', high.key, '--json'], h.tokens.auditor);
    expect(shown.code).toBe(0);
    expect(JSON.parse(shown.stdout)).toMatchObject({ key: high.key, status: 'rolled-back' });
  }, 180_000);

  it('lets the requester withdraw an unreleased change, refuses anyone else, and closes its reviews', async () => {
    const key = 'cli-withdrawn-change';
    expect((await h.call('POST', '/v1/changes', { token: h.extraTokens.kim!, body: { ...high, key } })).status).toBe(
      201,
    );
    const stranger = await featgate(['change', 'withdraw', key, '--reason', 'not mine'], h.tokens.requester);
    expect(stranger.code).toBe(1);
    expect(stranger.stderr).toContain('only the requester kim or an admin may withdraw');
    const withdrawn = await featgate(
      ['change', 'withdraw', key, '--reason', 'superseded by another change'],
      h.extraTokens.kim!,
    );
    expect(withdrawn.code, withdrawn.stderr).toBe(0);
    expect(withdrawn.stdout).toContain(`${key}\twithdrawn`);
    const review = await h.call('POST', `/v1/changes/${key}/reviews`, {
      token: h.tokens.aiPlatformOwner,
      body: { decision: 'approve' },
    });
    expect(review.status).toBe(409);
    const shown = await featgate(['change', 'show', key], h.tokens.auditor);
    expect(shown.stdout).toMatch(/reason: +withdrawn by kim: superseded by another change/);
    expect(shown.stdout).toMatch(/change\.status-changed +kim/);
  }, 60_000);

  it('rejects with a comment, and verifies the ledger through the service with the auditor role only', async () => {
    const key = 'cli-rejected-change';
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: { ...high, key } })).status).toBe(
      201,
    );
    const rejected = await featgate(
      ['review', 'reject', key, '--comment', 'needs an eval', '--json'],
      h.tokens.aiPlatformOwner,
    );
    expect(rejected.code).toBe(0);
    expect(JSON.parse(rejected.stdout).reviews).toEqual([
      expect.objectContaining({ decision: 'reject', comment: 'needs an eval' }),
    ]);

    const verified = await featgate(['audit', 'verify'], h.tokens.auditor);
    expect(verified.code).toBe(0);
    expect(verified.stdout).toMatch(/^ok: \d+ entries, head [0-9a-f]{64}/);
    const refused = await featgate(['audit', 'verify'], h.tokens.requester);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('audit:verify');
  }, 180_000);
});
