import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag, startHarness, type Harness } from './service-harness.js';

const FLAG = 'assistant-model-route';

let h: Harness;

beforeAll(async () => {
  h = await startHarness((envId) => [jsonFlag(envId, FLAG, [{ id: 'route-current', name: 'current', value: { provider: 'openai' } }])]);
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
