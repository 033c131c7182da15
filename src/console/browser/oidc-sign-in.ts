import { api } from './api.js';

/** The identity provider the sign-in page offers (`GET /console/sign-in.json`). */
export interface OidcSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly authorizationEndpoint: string;
  readonly scope: string;
}

const PENDING_KEY = 'featgate.console.oidc';

/** Where the provider sends the person back: the console itself. */
function redirectUri(): string {
  return `${location.origin}/console/`;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes))
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}

function randomText(): string {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

/** The OIDC provider, or null when the service accepts tokens only. */
export async function signInSettings(): Promise<OidcSettings | null> {
  return (await api<{ oidc: OidcSettings | null }>('GET', '/console/sign-in.json')).oidc;
}

/**
 * Sends the person to the provider: authorization code flow with PKCE (S256). The verifier and the state stay in
 * this tab's session storage; only the challenge leaves the browser.
 */
export async function startOidcSignIn(settings: OidcSettings): Promise<void> {
  const verifier = randomText();
  const state = randomText();
  const challenge = base64url(
    new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))),
  );
  sessionStorage.setItem(PENDING_KEY, JSON.stringify({ verifier, state }));
  const url = new URL(settings.authorizationEndpoint);
  const params = {
    response_type: 'code',
    client_id: settings.clientId,
    redirect_uri: redirectUri(),
    scope: settings.scope,
    state,
    code_challenge: challenge,
    code_challenge_method: 'S256',
  };
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
  location.assign(url.toString());
}

/**
 * Finishes a sign-in the provider sent back (`?code=…&state=…`): the state must be the one this tab sent, else
 * nothing is exchanged. Answers the ID token, or undefined when the URL carries no sign-in answer.
 */
export async function completeOidcSignIn(): Promise<string | undefined> {
  const params = new URLSearchParams(location.search);
  if (!params.has('code') && !params.has('error')) return undefined;
  const pending = sessionStorage.getItem(PENDING_KEY);
  sessionStorage.removeItem(PENDING_KEY);
  history.replaceState(null, '', `/console/${location.hash}`);
  if (params.has('error'))
    throw new Error(
      `the identity provider refused the sign-in: ${params.get('error')}${params.get('error_description') ? ` (${params.get('error_description')})` : ''}`,
    );
  const { verifier, state } = pending
    ? (JSON.parse(pending) as { verifier: string; state: string })
    : { verifier: '', state: '' };
  if (!state || params.get('state') !== state)
    throw new Error(
      'this sign-in answer does not belong to a sign-in this tab started; nothing was exchanged, sign in again',
    );
  const { idToken } = await api<{ idToken: string }>('POST', '/console/oidc/token', {
    code: params.get('code'),
    codeVerifier: verifier,
    redirectUri: redirectUri(),
  });
  return idToken;
}
