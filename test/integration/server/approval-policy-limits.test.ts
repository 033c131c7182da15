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
const high = example('high-model-provider-change');
let h: Harness;
let dir: string;
/** How far the service's clock runs ahead of the wall clock: the test moves it instead of sleeping. */
let clockAheadMs = 0;

beforeAll(async () => {
  const policy = parseYaml(readFileSync(DEFAULT_POLICY_PATH, 'utf8'));
  policy.tiers.low.approvals.lifetime = '1s';
  dir = mkdtempSync(join(tmpdir(), 'featgate-limits-'));
  writeFileSync(join(dir, 'policy.yaml'), stringifyYaml(policy));
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, low.flags[0].key, [{ id: 'current', name: 'current', value: low.flags[0].baseline }]),
      jsonFlag(envId, high.flags[0].key, [{ id: 'current', name: 'current', value: high.flags[0].baseline }]),
    ],
    { policy: join(dir, 'policy.yaml') },
    [],
    { now: () => new Date(Date.now() + clockAheadMs) },
  );
  for (const flagKey of [low.flags[0].key, high.flags[0].key]) {
    expect(
      (
        await h.call('POST', '/v1/adoptions', {
          token: h.tokens.admin,
          body: { envId: h.envId, flagKey, reason: 'baseline' },
        })
      ).status,
    ).toBe(201);
  }
});

afterAll(async () => {
  await h?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('tier limits', () => {
  it('expires an approval that was not released within the tier lifetime', async () => {
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: low })).status).toBe(201);
    const approved = await h.call('POST', `/v1/changes/${low.key}/reviews`, {
      token: h.tokens.reviewer,
      body: { decision: 'approve' },
    });
    expect(approved.body.status).toBe('approved');
    clockAheadMs += 1500;
    const late = await h.call('POST', `/v1/changes/${low.key}/release/apply-stage`, {
      token: h.tokens.releaseOwner,
      body: {},
    });
    expect(late.status).toBe(409);
    expect(late.body.detail).toContain(`the approval of ${low.key} expired`);
  });

  it('refuses a plan whose stages are shorter than the tier minimum, whatever minDuration the requester picks', async () => {
    const hurried = {
      ...high,
      key: 'hurried-provider-switch',
      release: {
        ...high.release,
        stages: [
          { name: 'canary', audience: 'all users', percentage: 1, minDuration: '1s' },
          { name: 'all', audience: 'all users', percentage: 100, minDuration: '1s' },
        ],
      },
    };
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: hurried });
    expect(created.status).toBe(201);
    expect(created.body.decision.missing.releasePlan).toEqual([
      'stage 1 (canary) runs at least 1s; the high tier needs at least 1h before the next stage',
    ]);
  });
});
