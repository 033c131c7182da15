import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * Issue 12, "one token can add tens of MB of records in seconds": writes are bounded per person (429 with
 * `Retry-After` and a problem body), reads are not, service identities have their own higher budget, and a refused
 * call never reaches the ledger.
 */
const low = example('low-prompt-whitespace');
const WRITES = 5;
const SERVICE_WRITES = 12;

let h: Harness;
const token = (name: string): string => h.extraTokens[name]!;

beforeAll(async () => {
  h = await startHarness(
    (envId) => [jsonFlag(envId, low.flags[0].key, [{ id: 'current', name: 'current', value: low.flags[0].baseline }])],
    {
      rateLimits: { windowSeconds: 60, writes: WRITES, serviceWrites: SERVICE_WRITES, reads: 0 },
      identity: { people: [{ id: 'flo', emails: ['flo@corp.example'], tokens: ['flo-ci', 'flo-laptop'] }] },
    },
    [
      { name: 'flo-ci', roles: ['requester'] },
      { name: 'flo-laptop', roles: ['requester'] },
      { name: 'gus', roles: ['requester'] },
      { name: 'ci-bot', roles: ['service'], kind: 'service' },
    ],
  );
});

afterAll(async () => {
  await h?.close();
});

function change(key: string): unknown {
  return { ...low, key };
}

async function ledgerHead(): Promise<unknown> {
  const verified = await h.call('GET', '/v1/audit/verify', { token: h.tokens.auditor });
  expect(verified.status).toBe(200);
  return { entries: verified.body.entries, head: verified.body.head };
}

describe('per-principal rate limits', () => {
  it('answers a token flooding creates with 429, Retry-After and a problem body; the ledger does not move and others are unaffected', async () => {
    const accepted: number[] = [];
    for (let index = 0; index < WRITES; index += 1)
      accepted.push(
        (await h.call('POST', '/v1/changes', { token: token('flo-ci'), body: change(`flood-${index}`) })).status,
      );
    expect(accepted).toEqual(Array(WRITES).fill(201));

    const head = await ledgerHead();
    for (let index = 0; index < 20; index += 1) {
      const refused = await h.call('POST', '/v1/changes', {
        token: token('flo-ci'),
        body: change(`flood-more-${index}`),
      });
      expect(refused.status).toBe(429);
      const retryAfter = Number(refused.headers.get('retry-after'));
      expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 60).toBe(true);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ status: 429, code: 'RATE_LIMITED', title: 'Too Many Requests' });
      expect(refused.body.detail).toContain(`retry after ${retryAfter} s`);
    }
    // The same person under another token shares the budget.
    expect(
      (await h.call('POST', '/v1/changes', { token: token('flo-laptop'), body: change('flood-laptop') })).status,
    ).toBe(429);
    expect(await ledgerHead()).toEqual(head);
    expect((await h.call('GET', '/v1/changes/flood-more-0', { token: h.tokens.auditor })).status).toBe(404);

    // Reads stay open to the flooder; another person's writes are unaffected.
    for (let index = 0; index < 30; index += 1)
      expect((await h.call('GET', '/v1/changes', { token: token('flo-ci') })).status).toBe(200);
    expect((await h.call('POST', '/v1/changes', { token: token('gus'), body: change('gus-own') })).status).toBe(201);
  });

  it('counts refused writes too (a 400 costs budget), and gives service identities their own higher budget', async () => {
    const statuses: number[] = [];
    for (let index = 0; index < SERVICE_WRITES + 1; index += 1) {
      statuses.push(
        (
          await h.call('POST', '/v1/changes/gus-own/evidence', {
            token: token('ci-bot'),
            body: { type: 'offlineEval', summary: `run ${index}`, result: 'passed' },
          })
        ).status,
      );
    }
    expect(statuses.slice(0, SERVICE_WRITES).every((status) => status !== 429)).toBe(true);
    expect(statuses.at(-1)).toBe(429);

    const bad: number[] = [];
    for (let index = 0; index < WRITES; index += 1)
      bad.push((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: { key: 'Not A Key' } })).status);
    expect(bad).toEqual(Array(WRITES).fill(400));
    expect((await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: change('after-bad') })).status).toBe(
      429,
    );
  });
});
