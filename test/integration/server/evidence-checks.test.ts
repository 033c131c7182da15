import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * featgate checks evidence itself (issue 16): with the default policy a high-tier prompt change needs an offline
 * eval of groundedness >= 0.85, no regression beyond 0.02 and 100 samples, run on its current candidate and
 * attached by CI or a non-author. Each refusal is shown with its reason by the change view, the policy endpoint and
 * `featgate policy explain`.
 */
const CLI = fileURLToPath(new URL('../../../src/cli/featgate.mjs', import.meta.url));
const PROMPTFOO = fileURLToPath(new URL('../../fixtures/promptfoo/support-prompt-eval.json', import.meta.url));
const low = example('low-prompt-whitespace');
const KEY = 'claims-in-prompt';
const CLAIMS = 'We guarantee a full refund on every claim, risk-free.';
let h: Harness;
let dir: string;
let candidateHash: string;

beforeAll(async () => {
  h = await startHarness((envId) => [
    jsonFlag(envId, low.flags[0].key, [{ id: 'current', name: 'current', value: low.flags[0].baseline }]),
  ]);
  dir = mkdtempSync(join(tmpdir(), 'featgate-evidence-'));
  expect(
    (
      await h.call('POST', '/v1/adoptions', {
        token: h.tokens.admin,
        body: { envId: h.envId, flagKey: low.flags[0].key, reason: 'baseline' },
      })
    ).status,
  ).toBe(201);
  const created = await h.call('POST', '/v1/changes', {
    token: h.tokens.requester,
    body: { ...low, key: KEY, flags: [{ ...low.flags[0], candidate: { ...low.flags[0].baseline, template: CLAIMS } }] },
  });
  expect(created.body.tier).toBe('high');
  candidateHash = created.body.candidateHash;
});

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

function featgate(args: string[], token: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args, '--url', h.service.url], {
    env: { ...process.env, FEATGATE_TOKEN: token, FEATGATE_FROM_SOURCE: '1' },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += String(chunk)));
  child.stderr.on('data', (chunk) => (stderr += String(chunk)));
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stdout, stderr })));
}

const evalOf = (overrides: Record<string, unknown> = {}, metric: Record<string, unknown> = {}) => ({
  candidateHash,
  dataset: 'support-golden',
  datasetVersion: '7',
  evaluator: 'ragas',
  evaluatorVersion: '0.2.1',
  sampleSize: 400,
  metrics: [{ metric: 'groundedness', baselineScore: 0.9, candidateScore: 0.91, ...metric }],
  ...overrides,
});
const attach = (token: string, body: unknown) => h.call('POST', `/v1/changes/${KEY}/evidence`, { token, body });
const missingKinds = (view: any): string[] =>
  view.decision.missing.evidence.map((requirement: any) => requirement.anyOf[0]);

describe('an offline eval counts only when featgate checked it', () => {
  it('does not count an eval of another candidate, one below the bar, one the requester attaches, or a bare claim, and shows why', async () => {
    expect(
      (
        await attach(h.tokens.service, {
          type: 'offlineEval',
          summary: 'other candidate',
          eval: evalOf({ candidateHash: 'a'.repeat(64) }),
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await attach(h.tokens.service, {
          type: 'offlineEval',
          summary: 'below the bar',
          eval: evalOf({}, { candidateScore: 0.8, baselineScore: 0.79 }),
        })
      ).status,
    ).toBe(201);
    expect((await attach(h.tokens.requester, { type: 'offlineEval', summary: 'mine', eval: evalOf() })).status).toBe(
      201,
    );
    const claimed = await attach(h.tokens.service, { type: 'offlineEval', summary: 'trust me', result: 'passed' });
    expect(claimed.status).toBe(201);

    // The change view: featgate's verdict is each item's result, never what the attacher said.
    const view = claimed.body;
    expect(missingKinds(view)).toContain('offlineEval');
    expect(view.requirements.evalBars).toEqual([
      { surface: 'prompt', metric: 'groundedness', atLeast: 0.85, maxRegression: 0.02, minSampleSize: 100 },
    ]);
    expect(view.evidence.map((item: any) => [item.summary, item.result, item.counts, item.reason])).toEqual([
      [
        'other candidate',
        'failed',
        false,
        `the eval ran on candidate aaaaaaaaaaaa, not on this change's candidate ${candidateHash.slice(0, 12)}`,
      ],
      ['below the bar', 'failed', false, "groundedness 0.8 is below the policy's 0.85"],
      [
        'mine',
        'inconclusive',
        false,
        'attached by requester-user, an author of the change: nobody vouches for their own change',
      ],
      [
        'trust me',
        'inconclusive',
        false,
        expect.stringContaining("a claim (passed) without the eval's numbers: featgate checks groundedness itself"),
      ],
    ]);
    expect(view.evidence[1].metrics).toEqual([
      { metric: 'groundedness', passed: false, checked: true, reason: "groundedness 0.8 is below the policy's 0.85" },
    ]);
    expect(view.evidence[3].claimedResult).toBe('passed');

    // The policy endpoint says the same, and so does `featgate policy explain`.
    const explained = await h.call('GET', `/v1/changes/${KEY}/policy`, { token: h.tokens.auditor });
    expect(explained.body.evidence.map((item: any) => [item.counts, item.checked, item.reason])).toEqual(
      view.evidence.map((item: any) => [false, item.checked, item.reason]),
    );
    const cli = await featgate(['policy', 'explain', KEY], h.tokens.auditor);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain(
      'groundedness >= 0.85, regression against the baseline <= 0.02, at least 100 samples (prompt)',
    );
    expect(cli.stdout).toContain("not on this change's candidate");
    expect(cli.stdout).toContain("groundedness: fails groundedness 0.8 is below the policy's 0.85");
    expect(cli.stdout).toContain('an author of the change: nobody vouches for their own change');
    expect(cli.stdout).toContain('claimed passed');
    expect(cli.stdout).toMatch(/missing: offlineEval \(before approval\)/);
    const shown = await featgate(['change', 'show', KEY], h.tokens.auditor);
    expect(shown.stdout).toMatch(
      /offlineEval\s+failed\s+below the bar \(by service-user\)\n\s+featgate's check: groundedness 0\.8 is below the policy's 0\.85/,
    );
  });

  it("turns CI's promptfoo output into an eval featgate checks, and counts a passing one from CI", async () => {
    const imported = await featgate(
      [
        'evidence',
        'attach',
        KEY,
        '--type',
        'offlineEval',
        '--format',
        'promptfoo',
        '--file',
        PROMPTFOO,
        '--candidate-hash',
        candidateHash,
        '--dataset',
        'support-golden',
        '--dataset-version',
        '2026-11',
        '--link',
        'https://ci.example.com/run/42',
        '--json',
      ],
      h.tokens.service,
    );
    expect(imported.code, imported.stderr).toBe(0);
    const promptfoo = JSON.parse(imported.stdout).evidence.at(-1);
    expect(promptfoo).toMatchObject({
      type: 'offlineEval',
      attachedBy: 'service-user',
      result: 'failed',
      eval: { evaluator: 'promptfoo', evaluatorVersion: '0.120.4', sampleSize: 5 },
      summary:
        'promptfoo@0.120.4 on support-golden@2026-11, 5 samples: passRate 1 (baseline 0.8), groundedness 0.912 (baseline 0.902), tone 0.818 (baseline 0.806)',
    });
    expect(promptfoo.reason).toBe('groundedness was measured on 5 samples; the policy needs at least 100');

    const file = join(dir, 'eval.json');
    writeFileSync(file, JSON.stringify(evalOf()));
    const passing = await featgate(
      ['evidence', 'attach', KEY, '--type', 'offlineEval', '--file', file, '--json'],
      h.tokens.service,
    );
    expect(passing.code, passing.stderr).toBe(0);
    const view = JSON.parse(passing.stdout);
    expect(view.evidence.at(-1)).toMatchObject({
      result: 'passed',
      counts: true,
      reason: expect.stringContaining("featgate's check: groundedness 0.91 ≥ 0.85"),
    });
    expect(missingKinds(view)).not.toContain('offlineEval');
  });

  it("checks a rollback test against what a rollback of this change restores, and a review's findings", async () => {
    const view = (await h.call('GET', `/v1/changes/${KEY}`, { token: h.tokens.auditor })).body;
    const rehearsal = (restoredHash: string) => ({
      environment: 'staging',
      ranAt: '2026-12-01T09:00:00.000Z',
      restoredHash,
      outcome: 'restored',
    });
    const wrong = await attach(h.tokens.service, {
      type: 'rollbackTest',
      summary: 'rehearsed another rollback',
      rollbackTest: rehearsal(candidateHash),
    });
    expect(wrong.body.evidence.at(-1)).toMatchObject({
      result: 'failed',
      counts: false,
      reason: expect.stringContaining(`a rollback of this change restores ${view.rollbackHash.slice(0, 12)}`),
    });
    const right = await attach(h.tokens.service, {
      type: 'rollbackTest',
      summary: 'rehearsed in staging',
      rollbackTest: rehearsal(view.rollbackHash),
    });
    expect(right.body.evidence.at(-1)).toMatchObject({ result: 'passed', counts: true });
    const review = {
      scope: { flags: [low.flags[0].key] },
      reviewer: 'security-user',
      reviewedAt: '2026-12-01T09:00:00.000Z',
      findings: [{ title: 'promises a refund', severity: 'high' }],
      verdict: 'approved',
    };
    const open = await attach(h.tokens.security, { type: 'securityReview', summary: 'security review', review });
    expect(open.body.evidence.at(-1)).toMatchObject({
      result: 'failed',
      reason: '1 unresolved high or critical finding(s): promises a refund (high, open)',
    });
    const inOthersName = await attach(h.tokens.reviewer, {
      type: 'securityReview',
      summary: 'security review',
      review: { ...review, findings: [] },
    });
    expect(inOthersName.body.evidence.at(-1).reason).toBe(
      'a person attaches only their own review; this one names security-user as its reviewer',
    );
  });

  it('answers 1 for evidence the service refuses and 2 for a file it cannot read, as every verb', async () => {
    const file = join(dir, 'eval.json');
    writeFileSync(file, JSON.stringify(evalOf()));
    const both = await featgate(
      ['evidence', 'attach', KEY, '--type', 'offlineEval', '--file', file, '--result', 'passed', '--json'],
      h.tokens.service,
    );
    expect(both.code).toBe(1);
    expect(JSON.parse(both.stdout).errors).toEqual([
      expect.objectContaining({ path: 'result', message: expect.stringContaining('featgate decides the result') }),
    ]);
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"results": ');
    const unreadable = await featgate(
      [
        'evidence',
        'attach',
        KEY,
        '--type',
        'offlineEval',
        '--format',
        'promptfoo',
        '--file',
        broken,
        '--dataset',
        'd',
        '--dataset-version',
        '1',
      ],
      h.tokens.service,
    );
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toContain('not JSON');
    const noDataset = await featgate(
      ['evidence', 'attach', KEY, '--type', 'offlineEval', '--format', 'promptfoo', '--file', PROMPTFOO],
      h.tokens.service,
    );
    expect(noDataset.code).toBe(2);
    expect(noDataset.stderr).toContain("dataset: promptfoo's output does not name the dataset");
  });
});
