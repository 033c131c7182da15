import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../src/canonical/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

const FLAG = 'assistant-model-route';
const REDACTION_KEY = 'audit-query-test-redaction-key-0123456789';

let h: Harness;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [jsonFlag(envId, FLAG, [{ id: 'route-current', name: 'current', value: { provider: 'openai' } }])],
    {
      redactionKey: REDACTION_KEY,
    },
  );
});

afterAll(async () => {
  await h?.close();
});

describe('adoption reason', () => {
  it('shows the reason an admin gave for adopting a flag in GET /v1/audit', async () => {
    const reason = 'taking the live model route as the baseline before the Q3 review';
    const adopted = await h.call('POST', '/v1/adoptions', {
      token: h.tokens.admin,
      body: { envId: h.envId, flagKey: FLAG, reason },
    });
    expect(adopted.status).toBe(201);

    const audit = await h.call('GET', `/v1/audit?flag=${h.envId}/${FLAG}&type=flag.adopted&actor=admin-user`, {
      token: h.tokens.auditor,
    });
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({
      actor: { id: 'admin-user' },
      data: { reason, state: { flagKey: FLAG } },
    });
  });
});

describe('secret values in the ledger', () => {
  it('keeps only the keyed HMAC of a secret, never the value nor its plain SHA-256', async () => {
    const record = { ...example('high-model-provider-change'), key: 'secret-in-ledger' };
    const secret = record.flags[0].candidate.apiKey as string;
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
    expect(created.status).toBe(201);

    const audit = await h.call('GET', '/v1/audit?change=secret-in-ledger&type=change.created', {
      token: h.tokens.auditor,
    });
    const text = JSON.stringify(audit.body.entries);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(sha256Hex(canonicalJson(secret)));
    const keyed = createHmac('sha256', Buffer.from(REDACTION_KEY, 'utf8')).update(canonicalJson(secret)).digest('hex');
    expect(audit.body.entries[0].data.record.flags[0].candidate.apiKey).toEqual({ $redacted: true, hmacSha256: keyed });
  });
});

describe('paged audit query', () => {
  it('answers one bounded page with the seq to continue from, and the pages add up to the whole history', async () => {
    const record = { ...example('high-model-provider-change'), key: 'paged-audit' };
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record })).status).toBe(201);
    for (const type of ['offlineEval', 'shadowTraffic', 'securityReview']) {
      const attached = await h.call('POST', '/v1/changes/paged-audit/evidence', {
        token: h.tokens.requester,
        body: { type, summary: `${type} done`, result: 'passed' },
      });
      expect(attached.status).toBe(201);
    }
    const whole = await h.call('GET', '/v1/audit?change=paged-audit&limit=1000', { token: h.tokens.auditor });
    expect(whole.body.nextAfterSeq).toBeNull();
    expect(whole.body.entries.length).toBeGreaterThan(4);

    const paged: number[] = [];
    let afterSeq = 0;
    for (;;) {
      const page = await h.call('GET', `/v1/audit?change=paged-audit&limit=2&afterSeq=${afterSeq}`, {
        token: h.tokens.auditor,
      });
      expect(page.status).toBe(200);
      expect(page.body.entries.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.entries.map((entry: { seq: number }) => entry.seq));
      if (page.body.nextAfterSeq === null) break;
      afterSeq = page.body.nextAfterSeq;
    }
    expect(paged).toEqual(whole.body.entries.map((entry: { seq: number }) => entry.seq));
  });
});
