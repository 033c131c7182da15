import { createHash, randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** A person the provider signs in without asking (the test plays their consent). */
export interface ProviderUser {
  readonly subject: string;
  readonly roles: readonly string[];
}

/** A small OpenID provider on loopback: discovery, authorize (code flow, PKCE S256 required), token and JWKS. */
export interface TestIdentityProvider {
  readonly issuer: string;
  /** Token requests it answered, refused ones included. */
  readonly tokenRequests: number;
  close(): Promise<void>;
}

/** Starts the provider for `clientId`; every authorization signs in `user`. */
export async function startTestIdentityProvider(clientId: string, user: ProviderUser): Promise<TestIdentityProvider> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(publicKey)), kid: 'idp-1', alg: 'ES256', use: 'sig' };
  const codes = new Map<string, { challenge: string; redirectUri: string }>();
  let tokenRequests = 0;
  let issuer = '';
  const app = express();
  app.get('/.well-known/openid-configuration', (_req, res) => {
    res.json({
      issuer,
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      jwks_uri: `${issuer}/jwks.json`,
      code_challenge_methods_supported: ['S256'],
    });
  });
  app.get('/jwks.json', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  app.get('/authorize', (req, res) => {
    const query = req.query as Record<string, string>;
    if (
      query.client_id !== clientId ||
      query.response_type !== 'code' ||
      query.code_challenge_method !== 'S256' ||
      !query.code_challenge ||
      !query.redirect_uri
    ) {
      res.status(400).send('bad authorization request');
      return;
    }
    const code = randomBytes(16).toString('hex');
    codes.set(code, { challenge: query.code_challenge, redirectUri: query.redirect_uri });
    const back = new URL(query.redirect_uri);
    back.searchParams.set('code', code);
    back.searchParams.set('state', query.state ?? '');
    res.redirect(302, back.toString());
  });
  app.post('/token', express.urlencoded({ extended: false }), async (req, res) => {
    tokenRequests += 1;
    const body = req.body as Record<string, string>;
    const grant = codes.get(body.code ?? '');
    codes.delete(body.code ?? '');
    const challenge = createHash('sha256')
      .update(body.code_verifier ?? '')
      .digest('base64url');
    if (
      !grant ||
      body.client_id !== clientId ||
      body.redirect_uri !== grant.redirectUri ||
      challenge !== grant.challenge
    ) {
      res
        .status(400)
        .json({ error: 'invalid_grant', error_description: 'code, verifier or redirect URI do not match' });
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    const idToken = await new SignJWT({ roles: [...user.roles] })
      .setProtectedHeader({ alg: 'ES256', kid: 'idp-1' })
      .setIssuer(issuer)
      .setAudience(clientId)
      .setSubject(user.subject)
      .setIssuedAt(now)
      .setExpirationTime(now + 600)
      .sign(privateKey);
    res.json({ id_token: idToken, token_type: 'Bearer', expires_in: 600 });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    issuer,
    get tokenRequests() {
      return tokenRequests;
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
