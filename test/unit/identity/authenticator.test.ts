import type { Server } from 'node:http';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Authenticator,
  generateApiToken,
  hashApiToken,
  Permission,
  RolePermissions,
} from '../../../src/identity/index.js';
import { UnauthorizedError } from '../../../src/errors/index.js';

let server: Server;
let issuer: string;
let privateKey: CryptoKey;
let strangerKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  strangerKey = (await generateKeyPair('ES256')).privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  const app = express();
  app.get('/.well-known/jwks.json', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

async function jwt(
  claims: Record<string, unknown>,
  options: { key?: CryptoKey; iss?: string; aud?: string; exp?: number } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
    .setIssuer(options.iss ?? issuer)
    .setAudience(options.aud ?? 'featgate')
    .setSubject('alice@example.com')
    .setIssuedAt()
    .setExpirationTime(options.exp ?? Math.floor(Date.now() / 1000) + 300)
    .sign(options.key ?? privateKey);
}

function authenticator(): Authenticator {
  const token = 'fgt_known-token';
  return new Authenticator({
    tokens: [{ name: 'ci-bot', sha256: hashApiToken(token), roles: ['service'], kind: 'service' }],
    oidc: { issuer, audience: 'featgate', rolesClaim: 'realm.roles', subjectClaim: 'sub', clockToleranceSeconds: 0 },
    roles: new RolePermissions(),
  });
}

describe('Authenticator', () => {
  it('accepts a configured API token by its hash and grants its roles', async () => {
    const principal = await authenticator().authenticate('Bearer fgt_known-token');
    expect(principal).toMatchObject({ id: 'ci-bot', kind: 'service', roles: ['service'], via: 'api-token' });
    expect(principal.permissions.has(Permission.ChangeCreate)).toBe(true);
    expect(principal.permissions.has(Permission.ReviewSubmit)).toBe(false);
  });

  it('refuses an unknown API token, a missing header and a non-bearer scheme', async () => {
    const auth = authenticator();
    await expect(auth.authenticate(`Bearer ${generateApiToken()}`)).rejects.toThrow('unknown API token');
    await expect(auth.authenticate(undefined)).rejects.toThrow(UnauthorizedError);
    await expect(auth.authenticate('Basic abc')).rejects.toThrow(UnauthorizedError);
  });

  it('accepts an OIDC token from the issuer and reads roles from a nested claim', async () => {
    const token = await jwt({ realm: { roles: ['reviewer', 'security'] } });
    const principal = await authenticator().authenticate(`Bearer ${token}`);
    expect(principal).toMatchObject({
      id: 'alice@example.com',
      kind: 'user',
      roles: ['reviewer', 'security'],
      via: 'oidc',
    });
    expect(principal.permissions.has(Permission.ReviewSubmit)).toBe(true);
  });

  it.each([
    ['expired', { exp: Math.floor(Date.now() / 1000) - 120 }, 'token expired'],
    ['of the wrong audience', { aud: 'someone-else' }, 'audience'],
    ['of the wrong issuer', { iss: 'https://evil.example.com' }, 'issuer'],
  ])('refuses a token %s', async (_label, options, reason) => {
    const token = await jwt({ realm: { roles: ['admin'] } }, options);
    await expect(authenticator().authenticate(`Bearer ${token}`)).rejects.toThrow(reason);
  });

  it('refuses a token signed by a key the issuer does not publish', async () => {
    const token = await jwt({ realm: { roles: ['admin'] } }, { key: strangerKey });
    await expect(authenticator().authenticate(`Bearer ${token}`)).rejects.toThrow(UnauthorizedError);
  });
});

describe('RolePermissions', () => {
  it('replaces a default role with its configured permissions and rejects unknown permissions', () => {
    const roles = new RolePermissions({ auditor: ['audit:read'] });
    expect([...roles.permissionsOf(['auditor'])]).toEqual([Permission.AuditRead]);
    expect(() => new RolePermissions({ auditor: ['audit:erase'] })).toThrow('unknown permission audit:erase');
  });

  it('gives roles the policy names as reviewers the review permission', () => {
    const roles = new RolePermissions({}, ['ai-platform-owner']);
    expect(roles.permissionsOf(['ai-platform-owner']).has(Permission.ReviewSubmit)).toBe(true);
    expect(roles.permissionsOf(['nobody']).size).toBe(0);
  });
});
