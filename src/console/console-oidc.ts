import express, { Router } from 'express';
import { z } from 'zod';
import type { OidcConfig } from '../config/index.js';
import { fieldIssuesFromZod, ValidationError } from '../errors/index.js';
import { HttpProblemError } from '../server/problem.js';

/** What the sign-in page needs to send a person to the identity provider (all public). */
export interface ConsoleOidcSettings {
  readonly issuer: string;
  /** The console's OIDC client: the API's audience, so the ID token it gets is one the API accepts. */
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly scope: string;
}

const discoverySchema = z.object({ authorization_endpoint: z.url(), token_endpoint: z.url() });
const tokenRequestSchema = z.strictObject({
  code: z.string().min(1).max(4096),
  codeVerifier: z
    .string()
    .regex(/^[A-Za-z0-9._~-]{43,128}$/, 'a PKCE code verifier has 43 to 128 unreserved characters'),
  redirectUri: z.url().max(2000),
});
const tokenAnswerSchema = z.object({ id_token: z.string().min(1).max(16_384) });

/** How long the provider may take to answer discovery or a token exchange. */
const PROVIDER_TIMEOUT_MS = 5000;

/**
 * OIDC sign-in for the console: authorization code with PKCE (S256), a public client whose id is the API's audience.
 * The browser makes the verifier and the challenge and is sent to the provider; back on the console it posts the
 * code and its verifier here, and this router exchanges them at the provider's token endpoint (so the page's CSP
 * can stay `connect-src 'self'`) and answers only the ID token. The API verifies that token on every call as it
 * verifies any OIDC bearer token (issuer, audience, signature, expiry); nothing here grants anything.
 */
export function createConsoleOidcRouter(oidc: OidcConfig | undefined): Router {
  const router = Router({ strict: true });
  const clientId = oidc ? (Array.isArray(oidc.audience) ? oidc.audience[0]! : (oidc.audience as string)) : undefined;
  let discovery: Promise<z.infer<typeof discoverySchema>> | undefined;
  const discover = () => {
    discovery ??= discoverFrom(oidc!.issuer).catch((error: unknown) => {
      discovery = undefined;
      throw error;
    });
    return discovery;
  };
  router.get('/console/sign-in.json', async (_req, res) => {
    if (!oidc || !clientId) return void res.set('cache-control', 'no-store').json({ oidc: null });
    const endpoints = await discover();
    const settings: ConsoleOidcSettings = {
      issuer: oidc.issuer,
      clientId,
      authorizationEndpoint: endpoints.authorization_endpoint,
      scope: 'openid profile',
    };
    res.set('cache-control', 'no-store').json({ oidc: settings });
  });
  router.post('/console/oidc/token', express.json({ limit: 16 * 1024 }), async (req, res) => {
    if (!oidc || !clientId) throw new HttpProblemError(404, 'NOT_FOUND', 'OIDC sign-in is not configured');
    const parsed = tokenRequestSchema.safeParse(req.body);
    if (!parsed.success) throw new ValidationError(fieldIssuesFromZod(parsed.error));
    const { token_endpoint } = await discover();
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      client_id: clientId,
      code: parsed.data.code,
      code_verifier: parsed.data.codeVerifier,
      redirect_uri: parsed.data.redirectUri,
    });
    const answer = await fetch(token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: form,
      signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS),
    }).catch((error: unknown) => {
      throw new HttpProblemError(
        502,
        'OIDC_PROVIDER_UNREACHABLE',
        `the identity provider's token endpoint did not answer: ${error instanceof Error ? error.message : String(error)}`,
      );
    });
    const body: unknown = await answer.json().catch(() => undefined);
    if (!answer.ok) {
      const reason = (body as { error?: unknown; error_description?: unknown } | undefined) ?? {};
      throw new HttpProblemError(
        401,
        'OIDC_CODE_REFUSED',
        `the identity provider refused the code: ${String(reason.error ?? answer.status)}${reason.error_description ? ` (${String(reason.error_description)})` : ''}`,
      );
    }
    const token = tokenAnswerSchema.safeParse(body);
    if (!token.success)
      throw new HttpProblemError(502, 'OIDC_PROVIDER_ERROR', 'the identity provider answered no id_token');
    res.set('cache-control', 'no-store').json({ idToken: token.data.id_token });
  });
  return router;
}

async function discoverFrom(issuer: string): Promise<z.infer<typeof discoverySchema>> {
  const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
  const answer = await fetch(url, { signal: AbortSignal.timeout(PROVIDER_TIMEOUT_MS) }).catch((error: unknown) => {
    throw new HttpProblemError(
      502,
      'OIDC_PROVIDER_UNREACHABLE',
      `the identity provider's discovery document did not answer: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  const parsed = discoverySchema.safeParse(await answer.json().catch(() => undefined));
  if (!answer.ok || !parsed.success)
    throw new HttpProblemError(
      502,
      'OIDC_PROVIDER_ERROR',
      `${url} is not an OpenID discovery document with authorization and token endpoints`,
    );
  return parsed.data;
}
