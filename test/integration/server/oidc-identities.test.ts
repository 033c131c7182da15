import { SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonFlag } from '../../support/json-flag.js';
import { startJwksIssuer, type JwksIssuer } from '../../support/jwks-issuer.js';
import { example, startHarness, type Harness } from './service-harness.js';

/**
 * One person behind an API token and an OIDC login: the identity mapping names her by e-mail only, and the OIDC
 * token's verified e-mail is enough for separation of duties to know her, whatever her subject claim is.
 */
const low = example('low-prompt-whitespace');
let h: Harness;
let jwks: JwksIssuer;
let issuer: string;
let key: CryptoKey;

beforeAll(async () => {
  jwks = await startJwksIssuer();
  issuer = jwks.issuer;
  key = jwks.privateKey;
  h = await startHarness(
    (envId) => [jsonFlag(envId, low.flags[0].key, [{ id: 'current', name: 'current', value: low.flags[0].baseline }])],
    {
      identity: {
        oidc: { issuer, audience: 'featgate-api', jwksUri: `${issuer}/jwks.json`, rolesClaim: 'roles' },
        people: [{ id: 'erin', emails: ['erin@corp.example'], tokens: ['erin-token'] }],
      },
    },
    [{ name: 'erin-token', roles: ['requester'] }],
  );
  expect(
    (
      await h.call('POST', '/v1/adoptions', {
        token: h.tokens.admin,
        body: { envId: h.envId, flagKey: low.flags[0].key, reason: 'baseline' },
      })
    ).status,
  ).toBe(201);
});

afterAll(async () => {
  await h?.close();
  await jwks?.close();
});

function login(subject: string, email: string, verified = true): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: ['reviewer', 'featureOwner'], email, email_verified: verified })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(issuer)
    .setAudience('featgate-api')
    .setSubject(subject)
    .setIssuedAt(now - 10)
    .setExpirationTime(now + 300)
    .sign(key);
}

describe('OIDC identities in separation of duties', () => {
  it("refuses the requester's own OIDC login by its verified e-mail, and accepts another person's", async () => {
    expect((await h.call('POST', '/v1/changes', { token: h.extraTokens['erin-token']!, body: low })).status).toBe(201);
    const own = await h.call('POST', `/v1/changes/${low.key}/reviews`, {
      token: await login('00u-erin-subject', 'Erin@Corp.example'),
      body: { decision: 'approve' },
    });
    expect(own.status).toBe(403);
    expect(own.body.detail).toContain('cannot review it: separation of duties');
    const other = await h.call('POST', `/v1/changes/${low.key}/reviews`, {
      token: await login('00u-frank', 'frank@corp.example'),
      body: { decision: 'approve' },
    });
    expect(other.status).toBe(201);
    expect(other.body.status).toBe('approved');
    expect(other.body.reviews[0]).toMatchObject({ reviewer: '00u-frank', aliases: ['frank@corp.example'] });
  });
});
