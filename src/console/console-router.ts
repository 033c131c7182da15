import { Router, type Response } from 'express';
import type { ConsoleBundle } from './build-console.js';
import { loadConsoleBundle } from './console-assets.js';
import type { OidcConfig } from '../config/index.js';
import { createConsoleOidcRouter } from './console-oidc.js';
import { consolePage } from './console-page.js';

/**
 * The console's Content-Security-Policy: scripts, styles and API calls from this origin only, no inline code, no
 * frames, no plugins, no form posts elsewhere. The page works under it because it has no inline script or style.
 */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

function secure(res: Response): Response {
  return res
    .set('content-security-policy', CONSOLE_CSP)
    .set('x-content-type-options', 'nosniff')
    .set('referrer-policy', 'no-referrer')
    .set('x-frame-options', 'DENY')
    .set('cross-origin-opener-policy', 'same-origin');
}

/** Options of the console router (tests pass a bundle to skip building). */
export interface ConsoleRouterOptions {
  readonly bundle?: () => Promise<ConsoleBundle>;
  /** The API's OIDC issuer: when set, the sign-in page offers the authorization code flow with PKCE. */
  readonly oidc?: OidcConfig;
}

/**
 * Serves the reviewer console under `/console/` (and sends `/` there): the HTML shell and its two assets, with a
 * strict CSP. The bundle is loaded at the first request and kept. The console holds no secret and decides
 * nothing: it calls the governance API with the signed-in person's token, and the API enforces every rule.
 */
export function createConsoleRouter(options: ConsoleRouterOptions = {}): Router {
  const router = Router({ strict: true });
  let bundle: Promise<ConsoleBundle> | undefined;
  const load = () => {
    bundle ??= (options.bundle ?? loadConsoleBundle)().catch((error: unknown) => {
      bundle = undefined;
      throw error;
    });
    return bundle;
  };
  router.get('/', (_req, res) => res.redirect(302, '/console/'));
  router.get('/console', (_req, res) => res.redirect(301, '/console/'));
  router.get('/console/', async (_req, res) => {
    const { version } = await load();
    secure(res).set('cache-control', 'no-store').type('html').send(consolePage(version));
  });
  const asset = (kind: 'script' | 'styles', type: string) => async (req: import('express').Request, res: Response) => {
    const loaded = await load();
    const cache = req.query.v === loaded.version ? 'public, max-age=31536000, immutable' : 'no-cache';
    secure(res).set('cache-control', cache).type(type).send(loaded[kind]);
  };
  router.get('/console/assets/app.js', asset('script', 'text/javascript'));
  router.get('/console/assets/styles.css', asset('styles', 'text/css'));
  router.use(createConsoleOidcRouter(options.oidc));
  return router;
}
