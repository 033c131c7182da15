import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canonicalJson, sha256Hex } from '../../../src/canonical/index.js';
import { example, jsonFlag, startHarness, type Harness } from './service-harness.js';

const FLAG = 'assistant-model-route';
const REDACTION_KEY = 'audit-query-test-redaction-key-0123456789';

let h: Harness;

beforeAll(async () => {
  h = await startHarness((envId) => [jsonFlag(envId, FLAG, [{ id: 'route-current', name: 'current', value: { provider: 'openai' } }])], {
    redactionKey: REDACTION_KEY,
  });
});

afterAll(async () => {
  await h?.close();
});

describe('adoption reason', () => {
  it('shows the reason an admin gave for adopting a flag in GET /v1/audit', async () => {
    const reason = 'taking the live model route as the baseline before the Q3 review';
    const adopted = await h.call('POST', '/v1/adoptions', { token: h.tokens.admin, body: { envId: h.envId, flagKey: FLAG, reason } });
    expect(adopted.status).toBe(201);

    const audit = await h.call('GET', `/v1/audit?flag=${h.envId}/${FLAG}&type=flag.adopted`, { token: h.tokens.auditor });
    expect(audit.status).toBe(200);
    expect(audit.body.entries).toHaveLength(1);
    expect(audit.body.entries[0]).toMatchObject({ actor: { id: 'admin-user' }, data: { reason, state: { flagKey: FLAG } } });
  });
});

describe('secret values in the ledger', () => {
  it('keeps only the keyed HMAC of a secret, never the value nor its plain SHA-256', async () => {
    const record = { ...example('high-model-provider-change'), key: 'secret-in-ledger' };
    const secret = record.flags[0].candidate.apiKey as string;
    const created = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: record });
    expect(created.status).toBe(201);

    const audit = await h.call('GET', '/v1/audit?change=secret-in-ledger&type=change.created', { token: h.tokens.auditor });
    const text = JSON.stringify(audit.body.entries);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(sha256Hex(canonicalJson(secret)));
    const keyed = createHmac('sha256', Buffer.from(REDACTION_KEY, 'utf8')).update(canonicalJson(secret)).digest('hex');
    expect(audit.body.entries[0].data.record.flags[0].candidate.apiKey).toEqual({ $redacted: true, hmacSha256: keyed });
  });
});
