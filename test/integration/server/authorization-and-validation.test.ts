import type { Server } from 'node:http';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Permission, RolePermissions } from '../../../src/identity/index.js';
import { loadPolicyFile, DEFAULT_POLICY_PATH } from '../../../policies/index.js';
import { example, jsonFlag, startHarness, TEST_ROLES, type Harness } from './service-harness.js';

const high = example('high-model-provider-change');
let h: Harness;
let jwks: Server;
let issuer: string;
let signingKey: CryptoKey;

interface Endpoint {
  readonly method: string;
  readonly path: string;
  readonly permission: Permission;
  /** A body with an unknown field, and one with a wrong type (and the field path each must name). */
  readonly bad?: { readonly unknown: unknown; readonly unknownPath: string; readonly wrongType: unknown; readonly wrongTypePath: string };
  readonly badQuery?: { readonly query: string; readonly path: string };
}

const key = 'no-such-change';
const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST', path: '/v1/changes', permission: Permission.ChangeCreate,
    bad: { unknown: { ...high, surprise: 1 }, unknownPath: 'surprise', wrongType: { ...high, flags: 'intent-router-model-route' }, wrongTypePath: 'flags' },
  },
  { method: 'GET', path: '/v1/changes', permission: Permission.ChangeRead, badQuery: { query: '?tier=enormous', path: 'query.tier' } },
  { method: 'GET', path: `/v1/changes/${key}`, permission: Permission.ChangeRead },
  {
    method: 'PUT', path: `/v1/changes/${key}`, permission: Permission.ChangeEdit,
    bad: { unknown: { ...high, key, extra: true }, unknownPath: 'extra', wrongType: { ...high, key, release: { ...high.release, stages: [{ ...high.release.stages[0], percentage: '5' }] } }, wrongTypePath: 'release.stages.0.percentage' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/reviews`, permission: Permission.ReviewSubmit,
    bad: { unknown: { decision: 'approve', vote: 'yes' }, unknownPath: 'vote', wrongType: { decision: true }, wrongTypePath: 'decision' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/evidence`, permission: Permission.EvidenceAttach,
    bad: { unknown: { type: 'offlineEval', summary: 's', result: 'passed', score: 3 }, unknownPath: 'score', wrongType: { type: 'offlineEval', summary: 5, result: 'passed' }, wrongTypePath: 'summary' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/release/apply-stage`, permission: Permission.ReleaseApply,
    bad: { unknown: { stage: 1, force: true }, unknownPath: 'force', wrongType: { stage: 'one' }, wrongTypePath: 'stage' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/release/hold`, permission: Permission.ReleaseHold,
    bad: { unknown: { reason: 'r', until: 'x' }, unknownPath: 'until', wrongType: { reason: 7 }, wrongTypePath: 'reason' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/release/resume`, permission: Permission.ReleaseResume,
    bad: { unknown: { now: true }, unknownPath: 'now', wrongType: { comment: ['x'] }, wrongTypePath: 'comment' },
  },
  {
    method: 'POST', path: `/v1/changes/${key}/release/rollback`, permission: Permission.ReleaseRollback,
    bad: { unknown: { reason: 'r', hard: true }, unknownPath: 'hard', wrongType: { reason: null }, wrongTypePath: 'reason' },
  },
  {
    method: 'POST', path: '/v1/adoptions', permission: Permission.FlagAdopt,
    bad: { unknown: { envId: 'e', flagKey: 'f', reason: 'r', force: 1 }, unknownPath: 'force', wrongType: { envId: 'e', flagKey: 42, reason: 'r' }, wrongTypePath: 'flagKey' },
  },
  { method: 'GET', path: '/v1/audit', permission: Permission.AuditRead, badQuery: { query: '?limit=lots', path: 'query.limit' } },
  { method: 'GET', path: '/v1/audit/verify', permission: Permission.AuditVerify },
];

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  signingKey = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  const app = express();
  app.get('/jwks.json', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  jwks = await new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
  const address = jwks.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  h = await startHarness(
    (envId) => [jsonFlag(envId, high.flags[0].key, [{ id: 'current', name: 'current', value: high.flags[0].baseline }])],
    { identity: { oidc: { issuer, audience: 'featgate-api', jwksUri: `${issuer}/jwks.json`, rolesClaim: 'roles' } }, bodyLimitBytes: 64 * 1024 },
  );
});

afterAll(async () => {
  await h?.close();
  await new Promise((resolve) => jwks?.close(resolve));
});

async function jwt(options: { iss?: string; aud?: string; expiresIn?: number; roles?: string[] } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: options.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? 'featgate-api')
    .setSubject('oidc-admin@example.com')
    .setIssuedAt(now - 600)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(signingKey);
}

async function ledgerHead(): Promise<unknown> {
  const verify = await h.call('GET', '/v1/audit/verify', { token: h.tokens.auditor });
  return verify.body.head;
}

describe('authorization', () => {
  it('answers every endpoint for every role exactly as the role permissions say', async () => {
    const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
    const roles = new RolePermissions({}, Object.keys(policy.roles));
    const failures: string[] = [];
    for (const endpoint of ENDPOINTS) {
      for (const role of TEST_ROLES) {
        const allowed = roles.permissionsOf([role]).has(endpoint.permission);
        const answer = await h.call(endpoint.method, endpoint.path, { token: h.tokens[role], ...(endpoint.method === 'GET' ? {} : { body: {} }) });
        const denied = answer.status === 403 && answer.body.code === 'FORBIDDEN';
        if (denied === allowed || answer.status === 401) failures.push(`${role} ${endpoint.method} ${endpoint.path}: ${answer.status}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it.each([
    ['no token', async () => undefined, 'missing Authorization'],
    ['an expired token', () => jwt({ expiresIn: -120 }), 'expired'],
    ['a wrong-audience token', () => jwt({ aud: 'other-api' }), 'audience'],
    ['a wrong-issuer token', () => jwt({ iss: 'https://issuer.example.com' }), 'issuer'],
    ['an unknown API token', async () => 'fgt_unknown', 'unknown API token'],
  ])('refuses %s on every endpoint with 401 problem+json', async (_label, token, reason) => {
    const value = await token();
    for (const endpoint of ENDPOINTS) {
      const answer = await h.call(endpoint.method, endpoint.path, { ...(value ? { token: value } : {}), ...(endpoint.method === 'GET' ? {} : { body: {} }) });
      expect(answer.status, `${endpoint.method} ${endpoint.path}`).toBe(401);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.detail).toContain(reason);
    }
  });

  it('accepts an OIDC token from the issuer with roles from the claim', async () => {
    const answer = await h.call('GET', '/v1/changes', { token: await jwt({ roles: ['auditor'] }) });
    expect(answer.status).toBe(200);
    const denied = await h.call('POST', '/v1/adoptions', { token: await jwt({ roles: ['auditor'] }), body: {} });
    expect(denied.status).toBe(403);
  });
});

describe('validation', () => {
  it.each(ENDPOINTS.filter((endpoint) => endpoint.bad))('$method $path answers bad bodies with 400 and the field path, writing nothing', async (endpoint) => {
    const head = await ledgerHead();
    const bad = endpoint.bad!;
    const cases: [unknown, string | undefined, string | undefined][] = [
      ['{"broken": ', 'application/json', ''],
      [bad.unknown, undefined, bad.unknownPath],
      [bad.wrongType, undefined, bad.wrongTypePath],
    ];
    for (const [body, contentType, path] of cases) {
      const answer = await h.call(endpoint.method, endpoint.path, {
        token: h.tokens.admin,
        ...(typeof body === 'string' ? { raw: body } : { body }),
        ...(contentType ? { contentType } : {}),
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(path);
    }
    expect(await ledgerHead()).toEqual(head);
  });

  it.each(ENDPOINTS.filter((endpoint) => endpoint.badQuery))('$method $path answers a bad query with 400 and its path', async (endpoint) => {
    const answer = await h.call(endpoint.method, `${endpoint.path}${endpoint.badQuery!.query}`, { token: h.tokens.admin });
    expect(answer.status).toBe(400);
    expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(endpoint.badQuery!.path);
  });

  it('names a malformed path parameter', async () => {
    const answer = await h.call('GET', '/v1/changes/Not%20A%20Key', { token: h.tokens.admin });
    expect(answer.status).toBe(400);
    expect(answer.body.errors[0].path).toBe('params.key');
  });

  it('answers a body over the limit with 413 problem+json and writes nothing', async () => {
    const head = await ledgerHead();
    const answer = await h.call('POST', '/v1/changes', { token: h.tokens.requester, body: { ...high, behaviourChange: 'x'.repeat(70 * 1024) } });
    expect(answer.status).toBe(413);
    expect(answer.headers.get('content-type')).toContain('application/problem+json');
    expect(await ledgerHead()).toEqual(head);
  });

  it('accepts a change record in YAML', async () => {
    const yaml = (await import('yaml')).stringify({ ...high, key: 'yaml-change' });
    const answer = await h.call('POST', '/v1/changes', { token: h.tokens.requester, raw: yaml, contentType: 'application/yaml' });
    expect(answer.status).toBe(201);
    expect(answer.body.key).toBe('yaml-change');
  });
});

describe('platform endpoints', () => {
  it('serves health, readiness, metrics and an OpenAPI document generated from the route schemas', async () => {
    expect((await h.call('GET', '/healthz')).status).toBe(200);
    const ready = await h.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([expect.objectContaining({ name: 'featbit', ok: true })]);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.body).toContain('featgate_http_requests_total');
    const openapi = await h.call('GET', '/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(expect.arrayContaining(['/v1/changes', '/v1/changes/{key}/reviews', '/v1/adoptions', '/v1/audit']));
    const review = openapi.body.paths['/v1/changes/{key}/reviews'].post;
    expect(review.requestBody.content['application/json'].schema.properties.decision.enum).toEqual(['approve', 'reject']);
  });

  it('reports FeatBit as not ready when it stops answering', async () => {
    await h.sandbox.control.refuseConnections(3000);
    const ready = await h.call('GET', '/readyz');
    expect(ready.status).toBe(503);
  });
});
