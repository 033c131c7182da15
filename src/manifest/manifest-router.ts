import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { fieldIssuesFromZod } from '../errors/zod-issues.js';
import type { SignedManifest, SignedManifestSource } from './signed-manifest.js';

/** What the manifest routes serve from. */
export interface ManifestRouterOptions {
  readonly source: SignedManifestSource;
  /** Interval of SSE comment heartbeats that keep idle connections and proxies alive. Default 15 s. */
  readonly heartbeatMs?: number;
  /**
   * Browser origins allowed to read manifests cross-origin (CORS), for web gates on other origins than featgate.
   * Default `'*'`: the manifest is public by design (signed, no secrets). `[]` turns CORS off.
   */
  readonly allowedOrigins?: '*' | readonly string[];
}

/** Media type of a compact JWS (RFC 7515 §9.2.1). */
export const JOSE_MEDIA_TYPE = 'application/jose';

/** SSE event name that carries a manifest JWS. */
export const MANIFEST_EVENT = 'manifest';

const paramsSchema = z.object({
  env: z.string().regex(/^[A-Za-z0-9._-]{1,128}$/, 'expected an environment id (letters, digits, dot, underscore, dash)'),
});

/**
 * Express routes that serve signed approval manifests:
 * - `GET /v1/envs/:env/manifest`: the compact JWS (`application/jose`) with a strong ETag; `If-None-Match` → 304.
 * - `GET /v1/envs/:env/manifest/stream`: Server-Sent Events; the current JWS on connect, then every new one
 *   (`event: manifest`, `id: <etag>`), with comment heartbeats.
 * The manifest is public to providers by design: it is signed, and holds no secrets. Both routes answer CORS
 * (preflight included, `ETag` exposed) for `allowedOrigins`, so a web gate on another origin can follow them.
 */
export function createManifestRouter(options: ManifestRouterOptions): Router {
  const router = Router();
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const cors = corsHeaders(options.allowedOrigins ?? '*');

  router.options(['/v1/envs/:env/manifest', '/v1/envs/:env/manifest/stream'], (req, res) => {
    if (cors(req, res)) {
      res.setHeader('Access-Control-Allow-Methods', 'GET');
      res.setHeader('Access-Control-Allow-Headers', 'Authorization, If-None-Match, Last-Event-ID, Accept');
      res.setHeader('Access-Control-Max-Age', '600');
    }
    res.status(204).end();
  });

  router.get('/v1/envs/:env/manifest', async (req, res, next) => {
    try {
      cors(req, res);
      const env = parseEnv(req, res);
      if (env === undefined) return;
      const signed = await options.source.current(env);
      if (!signed) {
        sendProblem(res, 404, 'NOT_FOUND', `no approval manifest for environment ${env}`);
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
      if (env === undefined) return;
      res.writeHead(200, {
        'Content-Type': 'text/event-stream',
        'Cache-Control': 'no-cache, no-transform',
        Connection: 'keep-alive',
        'X-Accel-Buffering': 'no',
      });
      res.flushHeaders();
      let lastEtag: string | undefined;
      const send = (signed: SignedManifest): void => {
        if (signed.etag === lastEtag || res.writableEnded) return;
        lastEtag = signed.etag;
        res.write(sseFrame(signed));
      };
      const unsubscribe = options.source.subscribe(env, send);
      const heartbeat = setInterval(() => res.write(': heartbeat\n\n'), heartbeatMs);
      heartbeat.unref();
      res.on('close', () => {
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
  const errors = fieldIssuesFromZod(parsed.error).map((issue) => ({ path: `params.${issue.path}`, message: issue.message }));
  sendProblem(res, 400, 'VALIDATION', errors.map((issue) => `${issue.path}: ${issue.message}`).join('; '), errors);
  return undefined;
}

/** Answers as the rest of the API does: RFC 9457 `application/problem+json`, with field paths for bad input. */
function sendProblem(res: Response, status: 400 | 404, code: string, detail: string, errors?: readonly { path: string; message: string }[]): void {
  const title = status === 400 ? 'Bad Request' : 'Not Found';
  const body = { type: `https://featgate.dev/problems/${code.toLowerCase()}`, title, status, detail, code, ...(errors ? { errors } : {}) };
  res.status(status).type('application/problem+json').send(JSON.stringify(body));
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((candidate) => {
    const tag = candidate.trim();
    return tag === '*' || tag === etag || tag === `W/${etag}`;
  });
}
