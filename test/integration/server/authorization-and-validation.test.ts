import { generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Permission } from '../../../src/identity/index.js';
import { jsonFlag } from '../../support/json-flag.js';
import { startJwksIssuer, type JwksIssuer } from '../../support/jwks-issuer.js';
import { example, startHarness, TEST_ROLES, type Harness } from './service-harness.js';

const high = example('high-model-provider-change');
let h: Harness;
let jwks: JwksIssuer;
let issuer: string;
let signingKey: CryptoKey;
let strangerKey: CryptoKey;

interface Endpoint {
  readonly method: string;
  /** The route as the OpenAPI document names it. */
  readonly route: string;
  readonly permission: Permission;
  /** A body with an unknown field, and one with a wrong type (and the field path each must name). */
  readonly bad?: {
    readonly unknown: unknown;
    readonly unknownPath: string;
    readonly wrongType: unknown;
    readonly wrongTypePath: string;
  };
  readonly badQuery?: { readonly query: string; readonly path: string };
  readonly badParams?: { readonly path: string; readonly field: string };
}

const PATH_VALUES: Record<string, string> = { key: 'no-such-change', id: 'bg-no-such-use', env: 'no-such-env' };

/** The concrete path of an endpoint, its parameters filled with well-formed names of things that do not exist. */
function pathOf(endpoint: Endpoint): string {
  return endpoint.route.replace(/\{(\w+)\}/g, (_match, name: string) => PATH_VALUES[name]!);
}

const breakGlass = {
  environment: 'production',
  flagKey: 'intent-router-model-route',
  reason: 'outage',
  duration: '1h',
  serve: { variationId: 'current' },
};

/** Every endpoint of the API route registry, with the permission it needs (the matrix checks the registry against this). */
const ENDPOINTS: Endpoint[] = [
  {
    method: 'POST',
    route: '/v1/changes',
    permission: Permission.ChangeCreate,
    bad: {
      unknown: { ...high, surprise: 1 },
      unknownPath: 'surprise',
      wrongType: { ...high, flags: 'intent-router-model-route' },
      wrongTypePath: 'flags',
    },
  },
  {
    method: 'GET',
    route: '/v1/changes',
    permission: Permission.ChangeRead,
    badQuery: { query: '?tier=enormous', path: 'query.tier' },
  },
  {
    method: 'GET',
    route: '/v1/changes/{key}',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/changes/Not%20A%20Key', field: 'params.key' },
  },
  {
    method: 'PUT',
    route: '/v1/changes/{key}',
    permission: Permission.ChangeEdit,
    bad: {
      unknown: { ...high, key: PATH_VALUES.key, extra: true },
      unknownPath: 'extra',
      wrongType: {
        ...high,
        key: PATH_VALUES.key,
        release: { ...high.release, stages: [{ ...high.release.stages[0], percentage: '5' }] },
      },
      wrongTypePath: 'release.stages.0.percentage',
    },
  },
  {
    method: 'GET',
    route: '/v1/changes/{key}/timeline',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/changes/Not%20A%20Key/timeline', field: 'params.key' },
  },
  {
    method: 'GET',
    route: '/v1/changes/{key}/release',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/changes/Not%20A%20Key/release', field: 'params.key' },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/reviews',
    permission: Permission.ReviewSubmit,
    bad: {
      unknown: { decision: 'approve', vote: 'yes' },
      unknownPath: 'vote',
      wrongType: { decision: true },
      wrongTypePath: 'decision',
    },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/withdraw',
    permission: Permission.ChangeEdit,
    bad: {
      unknown: { reason: 'r', force: true },
      unknownPath: 'force',
      wrongType: { reason: 3 },
      wrongTypePath: 'reason',
    },
  },
  {
    method: 'GET',
    route: '/v1/changes/{key}/policy',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/changes/-bad-/policy', field: 'params.key' },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/evidence',
    permission: Permission.EvidenceAttach,
    bad: {
      unknown: { type: 'offlineEval', summary: 's', result: 'passed', score: 3 },
      unknownPath: 'score',
      wrongType: { type: 'offlineEval', summary: 5, result: 'passed' },
      wrongTypePath: 'summary',
    },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/release/apply-stage',
    permission: Permission.ReleaseApply,
    bad: {
      unknown: { stage: 1, force: true },
      unknownPath: 'force',
      wrongType: { stage: 'one' },
      wrongTypePath: 'stage',
    },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/release/hold',
    permission: Permission.ReleaseHold,
    bad: {
      unknown: { reason: 'r', until: 'x' },
      unknownPath: 'until',
      wrongType: { reason: 7 },
      wrongTypePath: 'reason',
    },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/release/resume',
    permission: Permission.ReleaseResume,
    bad: { unknown: { now: true }, unknownPath: 'now', wrongType: { comment: ['x'] }, wrongTypePath: 'comment' },
  },
  {
    method: 'POST',
    route: '/v1/changes/{key}/release/rollback',
    permission: Permission.ReleaseRollback,
    bad: {
      unknown: { reason: 'r', hard: true },
      unknownPath: 'hard',
      wrongType: { reason: null },
      wrongTypePath: 'reason',
    },
  },
  {
    method: 'POST',
    route: '/v1/adoptions',
    permission: Permission.FlagAdopt,
    bad: {
      unknown: { envId: 'e', flagKey: 'f', reason: 'r', force: 1 },
      unknownPath: 'force',
      wrongType: { envId: 'e', flagKey: 42, reason: 'r' },
      wrongTypePath: 'flagKey',
    },
  },
  {
    method: 'GET',
    route: '/v1/audit',
    permission: Permission.AuditRead,
    badQuery: { query: '?limit=lots', path: 'query.limit' },
  },
  { method: 'GET', route: '/v1/audit/verify', permission: Permission.AuditVerify },
  {
    method: 'POST',
    route: '/v1/changes/{key}/signals',
    permission: Permission.SignalRecord,
    bad: {
      unknown: { signals: [{ metric: 'errorRate', value: 0.1 }], source: 'ci' },
      unknownPath: 'source',
      wrongType: { signals: [{ metric: 'errorRate', value: 'high' }] },
      wrongTypePath: 'signals.0.value',
    },
  },
  {
    method: 'POST',
    route: '/v1/envs/{env}/telemetry',
    permission: Permission.SignalRecord,
    bad: {
      unknown: { aggregates: [{ flagKey: 'f', valueHash: 'a'.repeat(64), evaluations: 1 }], arm: 'candidate' },
      unknownPath: 'arm',
      wrongType: { aggregates: [{ flagKey: 'f', valueHash: 'not-a-hash', evaluations: 1 }] },
      wrongTypePath: 'aggregates.0.valueHash',
    },
  },
  {
    method: 'GET',
    route: '/v1/changes/{key}/guardrails',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/changes/-bad-/guardrails', field: 'params.key' },
  },
  {
    method: 'POST',
    route: '/v1/break-glass',
    permission: Permission.BreakGlassUse,
    bad: {
      unknown: { ...breakGlass, approvedBy: 'me' },
      unknownPath: 'approvedBy',
      wrongType: { ...breakGlass, reason: 5 },
      wrongTypePath: 'reason',
    },
  },
  { method: 'GET', route: '/v1/break-glass', permission: Permission.ChangeRead },
  {
    method: 'GET',
    route: '/v1/break-glass/{id}',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/break-glass/nope', field: 'params.id' },
  },
  {
    method: 'POST',
    route: '/v1/break-glass/{id}/reviews',
    permission: Permission.BreakGlassReview,
    bad: {
      unknown: { decision: 'approve', vote: 1 },
      unknownPath: 'vote',
      wrongType: { decision: 1 },
      wrongTypePath: 'decision',
    },
  },
  {
    method: 'POST',
    route: '/v1/break-glass/{id}/end',
    permission: Permission.ChangeRead,
    bad: {
      unknown: { reason: 'over', restore: false },
      unknownPath: 'restore',
      wrongType: { reason: 1 },
      wrongTypePath: 'reason',
    },
  },
  {
    method: 'GET',
    route: '/v1/review-due',
    permission: Permission.ChangeRead,
    badQuery: { query: '?upcoming=yes', path: 'query.upcoming' },
  },
  {
    method: 'GET',
    route: '/v1/jobs',
    permission: Permission.AuditRead,
    badQuery: { query: '?limit=0', path: 'query.limit' },
  },
  { method: 'POST', route: '/v1/jobs/{id}/retry', permission: Permission.FlagAdopt },
  { method: 'GET', route: '/v1/console/me', permission: Permission.ChangeRead },
  {
    method: 'GET',
    route: '/v1/console/inbox',
    permission: Permission.ChangeRead,
    badQuery: { query: '?status=lost', path: 'query.status' },
  },
  {
    method: 'GET',
    route: '/v1/console/changes/{key}/actions',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/console/changes/-bad-/actions', field: 'params.key' },
  },
  {
    method: 'GET',
    route: '/v1/console/changes/{key}/activity',
    permission: Permission.ChangeRead,
    badParams: { path: '/v1/console/changes/-bad-/activity', field: 'params.key' },
  },
];

const REVIEWERS = ['reviewer', 'featureOwner', 'aiPlatformOwner', 'platformOwner', 'dataOwner'] as const;

/**
 * Who may do what with the default role mapping, written out independently of it: a role not listed is refused
 * with 403. Policy reviewer roles (featureOwner, ...) act as reviewers; `stranger` holds only an unknown role.
 */
const GRANTED: Record<Permission, readonly string[]> = {
  [Permission.ChangeRead]: TEST_ROLES.filter((role) => role !== 'stranger'),
  [Permission.ChangeCreate]: ['requester', 'service', 'admin'],
  [Permission.ChangeEdit]: ['requester', 'service', 'admin'],
  [Permission.ReviewSubmit]: [...REVIEWERS, 'security', 'releaseOwner', 'incidentCommander', 'admin'],
  [Permission.EvidenceAttach]: ['requester', ...REVIEWERS, 'security', 'incidentCommander', 'service', 'admin'],
  [Permission.ReleaseApply]: ['releaseOwner', 'admin'],
  [Permission.ReleaseHold]: ['releaseOwner', 'incidentCommander', 'admin'],
  [Permission.ReleaseResume]: ['releaseOwner', 'admin'],
  [Permission.ReleaseRollback]: ['releaseOwner', 'incidentCommander', 'admin'],
  [Permission.FlagAdopt]: ['admin'],
  [Permission.AuditRead]: ['security', 'auditor', 'admin'],
  [Permission.AuditVerify]: ['auditor', 'admin'],
  [Permission.SignalRecord]: ['releaseOwner', 'incidentCommander', 'service', 'admin'],
  [Permission.BreakGlassUse]: ['incidentCommander', 'admin'],
  [Permission.BreakGlassReview]: [...REVIEWERS, 'security', 'releaseOwner', 'admin'],
};

beforeAll(async () => {
  jwks = await startJwksIssuer();
  issuer = jwks.issuer;
  signingKey = jwks.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  h = await startHarness(
    (envId) => [
      jsonFlag(envId, high.flags[0].key, [{ id: 'current', name: 'current', value: high.flags[0].baseline }]),
    ],
    {
      identity: { oidc: { issuer, audience: 'featgate-api', jwksUri: `${issuer}/jwks.json`, rolesClaim: 'roles' } },
      bodyLimitBytes: 64 * 1024,
    },
  );
});

afterAll(async () => {
  await h?.close();
  await jwks?.close();
});

async function jwt(
  options: { iss?: string; aud?: string; expiresIn?: number; roles?: string[]; key?: CryptoKey } = {},
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ roles: options.roles ?? ['admin'] })
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? 'featgate-api')
    .setSubject('oidc-admin@example.com')
    .setIssuedAt(now - 600)
    .setExpirationTime(now + (options.expiresIn ?? 300))
    .sign(options.key ?? signingKey);
}

async function ledgerHead(): Promise<unknown> {
  const verify = await h.call('GET', '/v1/audit/verify', { token: h.tokens.auditor });
  return verify.body.head;
}

describe('authorization', () => {
  it('checks every endpoint the service registers, each with the permission it needs', async () => {
    const openapi = await h.call('GET', '/openapi.json');
    const registered = Object.entries(
      openapi.body.paths as Record<string, Record<string, { 'x-featgate-permission': string }>>,
    )
      .flatMap(([route, operations]) =>
        Object.entries(operations).map(
          ([method, operation]) => `${method.toUpperCase()} ${route} ${operation['x-featgate-permission']}`,
        ),
      )
      .sort();
    expect(registered).toEqual(
      ENDPOINTS.map((endpoint) => `${endpoint.method} ${endpoint.route} ${endpoint.permission}`).sort(),
    );
  });

  it('answers every endpoint for every role exactly as the role matrix says', async () => {
    const failures: string[] = [];
    const head = await ledgerHead();
    for (const endpoint of ENDPOINTS) {
      for (const role of TEST_ROLES) {
        const allowed = GRANTED[endpoint.permission].includes(role);
        const answer = await h.call(endpoint.method, pathOf(endpoint), {
          token: h.tokens[role],
          ...(endpoint.method === 'GET' ? {} : { body: {} }),
        });
        const denied = answer.status === 403 && answer.body.code === 'FORBIDDEN';
        if (denied === allowed || answer.status === 401 || answer.status >= 500)
          failures.push(`${role} ${endpoint.method} ${endpoint.route}: ${answer.status}`);
        if (denied && !String(answer.body.detail).includes(endpoint.permission))
          failures.push(`${role} ${endpoint.method} ${endpoint.route}: no permission named`);
      }
    }
    expect(failures).toEqual([]);
    expect(await ledgerHead()).toEqual(head);
  });

  it.each([
    ['no token', async () => undefined, 'missing Authorization'],
    ['an expired token', () => jwt({ expiresIn: -120 }), 'expired'],
    ['a wrong-audience token', () => jwt({ aud: 'other-api' }), 'audience'],
    ['a wrong-issuer token', () => jwt({ iss: 'https://issuer.example.com' }), 'issuer'],
    ['a token signed by a key the issuer does not publish', () => jwt({ key: strangerKey }), 'signature'],
    ['an unknown API token', async () => 'fgt_unknown', 'unknown API token'],
  ])('refuses %s on every endpoint with 401 problem+json', async (_label, token, reason) => {
    const value = await token();
    for (const endpoint of ENDPOINTS) {
      const answer = await h.call(endpoint.method, pathOf(endpoint), {
        ...(value ? { token: value } : {}),
        ...(endpoint.method === 'GET' ? {} : { body: {} }),
      });
      expect(answer.status, `${endpoint.method} ${endpoint.route}`).toBe(401);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.headers.get('www-authenticate')).toBe('Bearer');
      expect(answer.body.detail).toContain(reason);
    }
  });

  it('accepts an OIDC token from the issuer with roles from the claim', async () => {
    const answer = await h.call('GET', '/v1/changes', { token: await jwt({ roles: ['auditor'] }) });
    expect(answer.status).toBe(200);
    const denied = await h.call('POST', '/v1/adoptions', { token: await jwt({ roles: ['auditor'] }), body: {} });
    expect(denied.status).toBe(403);
  });

  it('serves the signed approval manifest to providers without credentials, as designed', async () => {
    const manifest = await h.call('GET', `/v1/envs/${h.envId}/manifest`);
    expect(manifest.status).toBe(200);
    expect(manifest.headers.get('content-type')).toContain('application/jose');
  });
});

describe('validation', () => {
  it.each(ENDPOINTS.filter((endpoint) => endpoint.bad))(
    '$method $route answers bad bodies with 400 and the field path, writing nothing',
    async (endpoint) => {
      const head = await ledgerHead();
      const bad = endpoint.bad!;
      const cases: [unknown, string | undefined, string | undefined][] = [
        ['{"broken": ', 'application/json', ''],
        [bad.unknown, undefined, bad.unknownPath],
        [bad.wrongType, undefined, bad.wrongTypePath],
      ];
      for (const [body, contentType, path] of cases) {
        const answer = await h.call(endpoint.method, pathOf(endpoint), {
          token: h.tokens.admin,
          ...(typeof body === 'string' ? { raw: body } : { body }),
          ...(contentType ? { contentType } : {}),
        });
        expect(answer.status).toBe(400);
        expect(answer.headers.get('content-type')).toContain('application/problem+json');
        expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(path);
      }
      expect(await ledgerHead()).toEqual(head);
    },
  );

  it.each(ENDPOINTS.filter((endpoint) => endpoint.badQuery))(
    '$method $route answers a bad query with 400 and its path',
    async (endpoint) => {
      const answer = await h.call(endpoint.method, `${pathOf(endpoint)}${endpoint.badQuery!.query}`, {
        token: h.tokens.admin,
      });
      expect(answer.status).toBe(400);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(endpoint.badQuery!.path);
    },
  );

  it.each(ENDPOINTS.filter((endpoint) => endpoint.badParams))(
    '$method $route answers a malformed path parameter with 400 and its path',
    async (endpoint) => {
      const answer = await h.call(endpoint.method, endpoint.badParams!.path, { token: h.tokens.admin });
      expect(answer.status).toBe(400);
      expect(answer.body.errors.map((error: { path: string }) => error.path)).toContain(endpoint.badParams!.field);
    },
  );

  it.each(ENDPOINTS.filter((endpoint) => endpoint.bad))(
    '$method $route answers a body over the limit with 413 problem+json and writes nothing',
    async (endpoint) => {
      const head = await ledgerHead();
      const answer = await h.call(endpoint.method, pathOf(endpoint), {
        token: h.tokens.admin,
        body: { ...(endpoint.bad!.unknown as object), pad: 'x'.repeat(70 * 1024) },
      });
      expect(answer.status).toBe(413);
      expect(answer.headers.get('content-type')).toContain('application/problem+json');
      expect(await ledgerHead()).toEqual(head);
    },
  );

  it('accepts a change record in YAML', async () => {
    const yaml = (await import('yaml')).stringify({ ...high, key: 'yaml-change' });
    const answer = await h.call('POST', '/v1/changes', {
      token: h.tokens.requester,
      raw: yaml,
      contentType: 'application/yaml',
    });
    expect(answer.status).toBe(201);
    expect(answer.body.key).toBe('yaml-change');
  });
});

describe('platform endpoints', () => {
  it('serves health, readiness, metrics and an OpenAPI document generated from the route schemas', async () => {
    expect((await h.call('GET', '/healthz')).status).toBe(200);
    const ready = await h.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.checks).toEqual([
      expect.objectContaining({ name: 'featbit', ok: true }),
      expect.objectContaining({ name: 'featbit-governance', ok: true }),
    ]);
    const metrics = await h.call('GET', '/metrics');
    expect(metrics.body).toContain('featgate_http_requests_total');
    const openapi = await h.call('GET', '/openapi.json');
    expect(openapi.body.openapi).toBe('3.1.0');
    expect(Object.keys(openapi.body.paths)).toEqual(
      expect.arrayContaining(['/v1/changes', '/v1/changes/{key}/reviews', '/v1/adoptions', '/v1/audit']),
    );
    const review = openapi.body.paths['/v1/changes/{key}/reviews'].post;
    expect(review.requestBody.content['application/json'].schema.properties.decision.enum).toEqual([
      'approve',
      'reject',
    ]);
  });

  it('reports FeatBit as not ready when it stops answering', async () => {
    await h.sandbox.control.refuseConnections(3000);
    const ready = await h.call('GET', '/readyz');
    expect(ready.status).toBe(503);
  });
});
