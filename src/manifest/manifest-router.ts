import { createHash, timingSafeEqual } from 'node:crypto';
import express, { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { ApprovalManifest } from '@featgate/openfeature/manifest';
import { fieldIssuesFromZod, problem, sendProblem } from '../errors/index.js';
import { signManifest } from './sign-manifest.js';
import type { SignedManifest, SignedManifestDelta, SignedManifestSource } from './signed-manifest.js';
import type { ManifestSigningKey } from './signing-key.js';
import { webContextSchema, webManifestFor } from './web-manifest.js';

/** What the per-context web manifest route needs. */
export interface WebManifestRouteOptions {
  /** The newest server manifest content of an environment (`ManifestPublisher.currentManifest`). */
  readonly manifests: (envId: string) => ApprovalManifest | undefined;
  readonly key: ManifestSigningKey;
  /** Secret member names (the policy's `secrets.keyPatterns`): flags whose values hold one never reach browsers. */
  readonly isSecretKey: (key: string) => boolean;
  /** Lifetime of a web manifest. Default 5 minutes. */
  readonly ttlMs?: number;
  /**
   * Origins allowed to fetch web manifests cross-origin. Default `'*'`: a web manifest holds only what the caller's
   * own context is served (as FeatBit's client-side evaluation does), so any page may ask for its own.
   */
  readonly allowedOrigins?: '*' | readonly string[];
}

/** What the manifest routes serve from. */
export interface ManifestRouterOptions {
  readonly source: SignedManifestSource;
  /** Interval of SSE comment heartbeats that keep idle connections and proxies alive. Default 15 s. */
  readonly heartbeatMs?: number;
  /**
   * Browser origins allowed to read manifests cross-origin (CORS). Default `[]`: no cross-origin reads; a server
   * manifest holds every approved value and targeting list, which browsers must not receive (web gates get
   * per-context results instead). `'*'` only for a deployment whose manifests hold nothing private.
   */
  readonly allowedOrigins?: '*' | readonly string[];
  /**
   * Per-environment read tokens: when given, both routes answer 401 unless `Authorization: Bearer <token>` carries
   * one of the environment's tokens (compared in constant time). Undefined for an environment: no token opens it.
   */
  readonly readTokens?: (envId: string) => readonly string[] | undefined;
  /** Most SSE connections held at once (all environments); more get 503 with Retry-After. Default 1,000. */
  readonly maxStreams?: number;
  /** Serves `POST /v1/envs/:env/web-manifest` (per-context manifests for web gates) when given. */
  readonly web?: WebManifestRouteOptions;
}

/** Media type of a compact JWS (RFC 7515 §9.2.1). */
export const JOSE_MEDIA_TYPE = 'application/jose';

/** SSE event name that carries a manifest JWS. */
export const MANIFEST_EVENT = 'manifest';

/** SSE event name that carries a manifest delta JWS (streams opened with `?delta=1`). */
export const MANIFEST_DELTA_EVENT = 'manifest-delta';

const streamQuerySchema = z.object({ delta: z.enum(['0', '1']).optional() }).strict();

const paramsSchema = z.object({
  env: z
    .string()
    .regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected an environment id (letters, digits, dot, underscore, dash)'),
});

/**
 * Express routes that serve signed approval manifests:
 * - `GET /v1/envs/:env/manifest`: the compact JWS (`application/jose`) with a strong ETag; `If-None-Match` → 304.
 * - `GET /v1/envs/:env/manifest/stream`: Server-Sent Events; the current JWS on connect, then every new one
 *   (`event: manifest`, `id: <etag>`), with comment heartbeats. With `?delta=1`, after the whole manifest on connect
 *   each update is its delta (`event: manifest-delta`, `id: <delta etag>`), sent only when it applies to the signing
 *   the connection was sent last; otherwise the whole manifest.
 * With `readTokens` both routes need an environment read token; CORS is off unless `allowedOrigins` names origins
 * (preflight included, `ETag` exposed). SSE connections are limited (`maxStreams`), and only environments that have
 * a manifest get a stream.
 */
export function createManifestRouter(options: ManifestRouterOptions): Router {
  const router = Router();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const cors = corsHeaders(options.allowedOrigins ?? []);
  const maxStreams = options.maxStreams ?? 1_000;
  let openStreams = 0;
  const authorized = (req: Request, res: Response, env: string): boolean => {
    if (!options.readTokens) return true;
    const tokens = options.readTokens(env) ?? [];
    const presented = /^Bearer (.+)$/.exec(req.header('authorization') ?? '')?.[1];
    if (presented !== undefined && tokens.some((token) => sameSecret(presented, token))) return true;
    res.setHeader('WWW-Authenticate', 'Bearer realm="featgate-manifest"');
    sendProblem(
      res,
      problem(401, 'UNAUTHENTICATED', 'a read token of this environment is required (Authorization: Bearer <token>)'),
    );
    return false;
  };

  const webCors = corsHeaders(options.web?.allowedOrigins ?? '*');
  router.options(
    ['/v1/envs/:env/manifest', '/v1/envs/:env/manifest/stream', '/v1/envs/:env/web-manifest'],
    (req, res) => {
      if ((req.path.endsWith('/web-manifest') && options.web ? webCors : cors)(req, res)) {
        res.setHeader('Access-Control-Allow-Methods', 'GET, POST');
        res.setHeader(
          'Access-Control-Allow-Headers',
          'Authorization, If-None-Match, Last-Event-ID, Accept, Content-Type',
        );
        res.setHeader('Access-Control-Max-Age', '600');
      }
      res.status(204).end();
    },
  );

  router.get('/v1/envs/:env/manifest', async (req, res, next) => {
    try {
      cors(req, res);
      const env = parseEnv(req, res);
      if (env === undefined || !authorized(req, res, env)) return;
      const signed = await options.source.current(env);
      if (!signed) {
        sendProblem(res, problem(404, 'NOT_FOUND', `no approval manifest for environment ${env}`));
        return;
      }
      res.setHeader('ETag', signed.etag);
      res.setHeader('Cache-Control', 'no-cache');
      if (etagMatches(req.header('if-none-match'), signed.etag)) {
        res.status(304).end();
        return;
      }
      res.type(JOSE_MEDIA_TYPE).send(signed.jws);
    } catch (error) {
      next(error);
    }
  });

  router.get('/v1/envs/:env/manifest/stream', async (req, res, next) => {
    try {
      cors(req, res);
      const env = parseEnv(req, res);
      if (env === undefined || !authorized(req, res, env)) return;
      const query = streamQuerySchema.safeParse(req.query);
      if (!query.success) {
        const errors = fieldIssuesFromZod(query.error, { prefix: 'query' });
        sendProblem(
          res,
          problem(400, 'VALIDATION', errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '), errors),
        );
        return;
      }
      const deltas = query.data.delta === '1';
      // only environments with a manifest get a stream, so unknown ids never add subscriptions
      if (!(await options.source.current(env))) {
        sendProblem(res, problem(404, 'NOT_FOUND', `no approval manifest for environment ${env}`));
        return;
      }
      if (openStreams >= maxStreams) {
        res.setHeader('Retry-After', '5');
        sendProblem(res, problem(503, 'UNAVAILABLE', `too many manifest streams open (${maxStreams}); retry later`));
        return;
      }
      openStreams += 1;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      let last: SignedManifest | undefined;
      const send = (signed: SignedManifest): void => {
        if (signed === last || res.writableEnded) return;
        if (last?.seq !== undefined && signed.seq !== undefined && signed.seq <= last.seq) return;
        const delta = deltas && last?.seq !== undefined ? signed.delta : undefined;
        res.write(delta && delta.baseSeq === last!.seq ? deltaFrame(delta) : sseFrame(signed));
        last = signed;
      };
      const unsubscribe = options.source.subscribe(env, send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      res.on('close', () => {
        openStreams -= 1;
        clearInterval(heartbeat);
        unsubscribe();
      });
      res.write('retry: 1000\n\n');
      const current = await options.source.current(env);
      if (current) send(current);
    } catch (error) {
      next(error);
    }
  });

  const web = options.web;
  if (web) {
    router.post('/v1/envs/:env/web-manifest', express.json({ limit: '16kb', strict: true }), async (req, res, next) => {
      try {
        webCors(req, res);
        const env = parseEnv(req, res);
        if (env === undefined) return;
        const body = z.object({ context: webContextSchema }).strict().safeParse(req.body);
        if (!body.success) {
          const errors = fieldIssuesFromZod(body.error, { prefix: 'body' });
          sendProblem(
            res,
            problem(400, 'VALIDATION', errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '), errors),
          );
          return;
        }
        const server = web.manifests(env);
        if (!server) {
          sendProblem(res, problem(404, 'NOT_FOUND', `no approval manifest for environment ${env}`));
          return;
        }
        const manifest = webManifestFor(server, body.data.context, {
          issuedAt: new Date(),
          ttlMs: web.ttlMs ?? 5 * 60_000,
          isSecretKey: web.isSecretKey,
        });
        res.setHeader('Cache-Control', 'no-store');
        res.type(JOSE_MEDIA_TYPE).send(await signManifest(manifest, web.key));
      } catch (error) {
        next(error);
      }
    });
    // a body that is not JSON, too deep for the parser or too large answers a precise 400/413, never a 500
    router.use(
      '/v1/envs/:env/web-manifest',
      (error: unknown, _req: Request, res: Response, next: (error?: unknown) => void) => {
        const type = (error as { type?: string } | undefined)?.type;
        if (type === 'entity.too.large')
          sendProblem(res, problem(413, 'TOO_LARGE', 'the request body is larger than 16 KB'));
        else if (type === 'entity.parse.failed' || type === 'entity.verify.failed' || error instanceof SyntaxError)
          sendProblem(res, problem(400, 'VALIDATION', 'the request body is not valid JSON'));
        else next(error);
      },
    );
  }

  return router;
}

const frames = new WeakMap<SignedManifest, Buffer>();

/** The SSE frame of a manifest, encoded once and shared by every connected stream. */
function sseFrame(signed: SignedManifest): Buffer {
  let frame = frames.get(signed);
  if (!frame) {
    frame = Buffer.from(`event: ${MANIFEST_EVENT}\nid: ${signed.etag}\ndata: ${signed.jws}\n\n`, 'utf8');
    frames.set(signed, frame);
  }
  return frame;
}

const deltaFrames = new WeakMap<SignedManifestDelta, Buffer>();

/** The SSE frame of a manifest delta, encoded once and shared by every connected stream. */
function deltaFrame(delta: SignedManifestDelta): Buffer {
  let frame = deltaFrames.get(delta);
  if (!frame) {
    frame = Buffer.from(`event: ${MANIFEST_DELTA_EVENT}\nid: ${delta.etag}\ndata: ${delta.jws}\n\n`, 'utf8');
    deltaFrames.set(delta, frame);
  }
  return frame;
}

/** Sets the CORS answer headers for an allowed requesting origin; returns whether the origin is allowed. */
function corsHeaders(allowed: '*' | readonly string[]): (req: Request, res: Response) => boolean {
  return (req, res) => {
    const origin = req.header('origin');
    if (!origin) return false;
    if (allowed === '*') res.setHeader('Access-Control-Allow-Origin', '*');
    else {
      res.vary('Origin');
      if (!allowed.includes(origin)) return false;
      res.setHeader('Access-Control-Allow-Origin', origin);
    }
    res.setHeader('Access-Control-Expose-Headers', 'ETag');
    return true;
  };
}

function parseEnv(req: Request, res: Response): string | undefined {
  const parsed = paramsSchema.safeParse(req.params);
  if (parsed.success) return parsed.data.env;
  const errors = fieldIssuesFromZod(parsed.error, { prefix: 'params' });
  sendProblem(
    res,
    problem(400, 'VALIDATION', errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '), errors),
  );
  return undefined;
}

/** Constant-time comparison of a presented token with a configured one (hashed first, so lengths never leak). */
function sameSecret(presented: string, expected: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();
  return timingSafeEqual(digest(presented), digest(expected));
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
