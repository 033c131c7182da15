import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/** The policy's per-tier limits a requester cannot pick around: approval lifetime and minimum stage duration. */
const low = example('low-prompt-whitespace');
const CLAIMS = 'We guarantee a full refund on every claim, risk-free.';
const high = example('high-model-provider-change');
let h: Harness;
let dir: string;

beforeAll(async () => {
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  policy.tiers.low.approvals.lifetime = '1s';
  policy.tiers.high.evalBars = [{ surface: 'prompt', metric: 'groundedness', atLeast: 0.85, maxRegression: 0.02 }];
  dir = mkdtempSync(join(tmpdir(), 'featgate-limits-'));
  writeFileSync(join(dir, 'policy.yaml'), stringifyYaml(policy));
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, low.flags[0].key, [{ id: 'current', name: 'current', value: low.flags[0].baseline }]),
      jsonFlag(envId, high.flags[0].key, [{ id: 'current', name: 'current', value: high.flags[0].baseline }]),
    ],
    { policy: join(dir, 'policy.yaml') },
  );
  for (const flagKey of [low.flags[0].key, high.flags[0].key]) {
    expect((await h.call('POST', '/v1/adoptions', { token: h.tokens.admin, body: { envId: h.envId, flagKey, reason: 'baseline' } })).status).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tier limits', () => {
  it('expires an approval that was not released within the tier lifetime', async () => {
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: low })).status).toBe(201);
    const approved = await h.call('POST', `/v1/changes/${low.key}/reviews`, { token: h.tokens.reviewer, body: { decision: 'approve' } });
    expect(approved.body.status).toBe('approved');
    await new Promise((resolve) => setTimeout(resolve, 1500));
    const late = await h.call('POST', `/v1/changes/${low.key}/release/apply-stage`, { token: h.tokens.releaseOwner, body: {} });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain(`the approval of ${low.key} expired`);
  });

  it('refuses a plan whose stages are shorter than the tier minimum, whatever minDuration the requester picks', async () => {
    const hurried = {
      ...high,
      key: 'hurried-provider-switch',
      release: { ...high.release, stages: [{ name: 'canary', audience: 'all users', percentage: 1, minDuration: '1s' }, { name: 'all', audience: 'all users', percentage: 100, minDuration: '1s' }] },
    };
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: hurried });
    expect(created.status).toBe(201);
    expect(created.body.decision.missing.releasePlan).toEqual(['stage 1 (canary) runs at least 1s; the high tier needs at least 1h before the next stage']);
  });
});

describe('eval results checked by featgate (issue 16)', () => {
  it('does not count an eval of another candidate, one below the bar, or one the requester attaches, and says why', async () => {
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: { ...low, key: 'claims-eval', flags: [{ ...low.flags[0], candidate: { ...low.flags[0].baseline, template: CLAIMS } }] } });
    expect(created.body.tier).toBe('high');
    const candidateHash: string = created.body.candidateHash;
    const evalOf = (overrides: Record<string, unknown>) => ({
      type: 'offlineEval',
      summary: 'groundedness eval',
      result: 'passed',
      eval: { candidateHash, dataset: 'support-golden', datasetVersion: '7', evaluator: 'ragas', metric: 'groundedness', score: 0.91, baselineScore: 0.9, sampleSize: 400, ...overrides },
    });
    const attach = (as: string, body: unknown) => h.call('POST', '/v1/changes/claims-eval/evidence', { token: as, body });
    expect((await attach(h.tokens.service, evalOf({ candidateHash: 'a'.repeat(64) }))).status).toBe(201);
    expect((await attach(h.tokens.service, evalOf({ score: 0.8 }))).status).toBe(201);
    expect((await attach(h.tokens.service, evalOf({ score: 0.86, baselineScore: 0.9 }))).status).toBe(201);
    const own = await attach(h.tokens.requester, evalOf({}));
    expect(own.body.decision.missing.evidence.map((item: any) => item.anyOf[0])).toContain('offlineEval');
    let explained = await h.call('GET', '/v1/changes/claims-eval/policy', { token: h.tokens.auditor });
    expect(explained.body.evidence.map((item: any) => [item.counts, item.reason])).toEqual([
      [false, expect.stringContaining('the eval ran on candidate aaaaaaaaaaaa, not on this change')],
      [false, 'groundedness 0.8 is below the policy\'s 0.85'],
      [false, expect.stringContaining('regresses by 0.04')],
      [false, expect.stringContaining('an author of the change')],
    ]);
    const ci = await attach(h.tokens.service, evalOf({}));
    expect(ci.body.decision.missing.evidence.map((item: any) => item.anyOf[0])).not.toContain('offlineEval');
    explained = await h.call('GET', '/v1/changes/claims-eval/policy', { token: h.tokens.auditor });
    expect(explained.body.evidence.at(-1)).toMatchObject({ counts: true, reason: expect.stringContaining("featgate's check: groundedness 0.91 ≥ 0.85") });
  });
});
