import type { Server } from 'node:http';
import express from 'express';
import { exportJWK, generateKeyPair } from 'jose';

/** An OIDC issuer on loopback that publishes one ES256 key at `/jwks.json`, for tests that sign access tokens. */
export interface JwksIssuer {
  /** `http://127.0.0.1:<port>`; the JWKS is at `${issuer}/jwks.json`. */
  readonly issuer: string;
  /** Signs tokens the issuer's JWKS verifies (kid `k1`). */
  readonly privateKey: CryptoKey;
  close(): Promise<void>;
}

/** Starts a JWKS endpoint on a free loopback port with a fresh ES256 key. */
export async function startJwksIssuer(): Promise<JwksIssuer> {
  const pair = await generateKeyPair('ES256');
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'ES256' };
  const app = express();
  app.get('/jwks.json', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const address = server.address();
  return {
    issuer: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`,
    privateKey: pair.privateKey,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
