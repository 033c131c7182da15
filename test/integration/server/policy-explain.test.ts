import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFeatgate } from '../ledger/run-cli.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, "featgate policy explain and the API show, for a change, every value classified, each rule that fired,
 * and who may still approve": the explanation names the configured people whose approval would still count, never
 * an author under any of their names, and drops whoever approved or whose role is covered.
 */
const high = example('high-model-provider-change');
const FLAG: string = high.flags[0].key;

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [jsonFlag(envId, FLAG, [{ id: 'current', name: 'current', value: high.flags[0].baseline }])],
    { identity: { people: [{ id: 'ria', emails: ['ria@corp.example'], tokens: ['requester-user', 'ria-platform'] }] } },
    [
      { name: 'ria-platform', roles: ['aiPlatformOwner'] },
      { name: 'rita', roles: ['aiPlatformOwner'] },
    ],
  );
  const record = { ...high, flags: [{ ...high.flags[0], rollbackValue: { ...high.flags[0].baseline, region: 'us' } }] };
  const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
});

afterAll(async () => {
  await h?.close();
});

const explain = async () => {
  const answer = await h.call('GET', `/v1/changes/${high.key}/policy`, { token: h.tokens.auditor });
  expect(answer.status).toBe(200);
  return answer.body;
};

describe('policy explanation', () => {
  it('classifies every written value, lists each fired rule, and names who may still approve (never an author)', async () => {
    const explained = await explain();
    expect(explained.values.map((value: any) => value.value)).toEqual(['candidate', 'rollbackValue']);
    expect(explained.values[0]).toMatchObject({
      flagKey: FLAG,
      tier: 'high',
      firedRuleIds: expect.arrayContaining(['model-provider-changed']),
    });
    expect(explained.firedRules).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ ruleId: 'model-provider-changed', flagKey: FLAG, path: '$.provider' }),
      ]),
    );

    const needed: string[] = explained.approvals.rolesStillNeeded.flatMap((requirement: any) => requirement.anyOf);
    expect(needed).toContain('aiPlatformOwner');
    const may = explained.approvals.mayStillApprove.map((reviewer: any) => reviewer.identity);
    expect(may).toEqual(expect.arrayContaining(['aiPlatformOwner-user', 'rita']));
    for (const reviewer of explained.approvals.mayStillApprove)
      expect(reviewer.roles.some((role: string) => needed.includes(role))).toBe(true);
    // requester-user (Ria) requested it: Ria's other token never appears; nor those who cannot review.
    expect(may, JSON.stringify(explained.approvals)).not.toContain('ria-platform');
    expect(may).not.toContain('requester-user');
    expect(may).not.toContain('auditor-user');
    expect(explained.approvals.excluded.map((one: any) => one.identity)).toEqual(['requester-user']);
  });

  it('drops an approver and the holders of a covered role, and the CLI prints the same', async () => {
    for (const needed of (await h.call('GET', `/v1/changes/${high.key}`, { token: h.tokens.auditor })).body.decision
      .missing.evidence as { anyOf: string[] }[]) {
      await h.call('POST', `/v1/changes/${high.key}/evidence`, {
        token: h.tokens.service,
        body: { type: needed.anyOf[0], summary: 'ci', result: 'passed' },
      });
    }
    expect(
      (
        await h.call('POST', `/v1/changes/${high.key}/reviews`, {
          token: h.tokens.aiPlatformOwner,
          body: { decision: 'approve', comment: 'ok' },
        })
      ).status,
    ).toBe(201);
    const explained = await explain();
    const may = explained.approvals.mayStillApprove.map((reviewer: any) => reviewer.identity);
    expect(may).not.toContain('aiPlatformOwner-user');
    const needed: string[] = explained.approvals.rolesStillNeeded.flatMap((requirement: any) => requirement.anyOf);
    if (!needed.includes('aiPlatformOwner')) expect(may).not.toContain('rita');
    for (const reviewer of explained.approvals.mayStillApprove)
      expect(reviewer.roles.some((role: string) => needed.includes(role))).toBe(true);

    const cli = await runFeatgate(['policy', 'explain', high.key, '--url', h.service.url, '--token', h.tokens.auditor]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain('values classified:');
    expect(cli.stdout).toContain(`${FLAG} rollbackValue:`);
    expect(cli.stdout).toContain('model-provider-changed (high)');
    expect(cli.stdout).toContain('may still approve:');
    for (const reviewer of explained.approvals.mayStillApprove)
      expect(cli.stdout).toContain(`  - ${reviewer.identity} (${reviewer.roles.join(', ')})`);
    if (explained.approvals.mayStillApprove.length === 0)
      expect(cli.stdout).toMatch(/may still approve:\n {2}- (nobody needs to|no configured token)/);
  });
});
