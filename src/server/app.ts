import express, { type Express, type NextFunction, type Request, type Response, type Router } from 'express';
import type { Logger } from '../logging/index.js';
import type { Authenticator } from '../identity/index.js';
import { createApiRouter } from './api-router.js';
import type { HttpMetrics } from './http-metrics.js';
import { buildOpenApiDocument } from './openapi.js';
import { HttpProblemError, problemFromError, sendProblem } from './problem.js';
import { createHealthRouter, type ReadinessCheck } from './readiness.js';
import type { PrincipalRateLimiter } from './rate-limit/index.js';
import type { RouteDefinition } from './route-definition.js';

/** Everything the express app is assembled from. */
export interface AppOptions {
  readonly routes: readonly RouteDefinition[];
  readonly authenticator: Authenticator;
  readonly bodyLimitBytes: number;
  /** Per-principal rate limits of the API routes. */
  readonly rateLimiter?: PrincipalRateLimiter;
  readonly metrics: HttpMetrics;
  readonly readiness: readonly ReadinessCheck[];
  readonly logger: Logger;
  readonly version: string;
  /** Further routers mounted at the root (the manifest router, the webhook receiver), before the API routes. */
  readonly routers?: readonly Router[];
}

/**
 * Builds the service's express app: metrics, health, OpenAPI, extra routers, the API, then a 404 and an error
 * handler that answer every failure as `application/problem+json`.
 */
export function createApp(options: AppOptions): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');
  app.use(options.metrics.middleware);
  app.use(requestLog(options.logger));
  app.use(createHealthRouter(options.readiness));
  app.get('/metrics', async (_req, res) => {
    res.type(options.metrics.registry.contentType).send(await options.metrics.registry.metrics());
  });
  const openApi = buildOpenApiDocument(options.routes, options.version);
  app.get('/openapi.json', (_req, res) => {
    res.json(openApi);
  });
  for (const router of options.routers ?? []) app.use(router);
  app.use(createApiRouter(options));
  app.use((req: Request) => {
    throw new HttpProblemError(404, 'NOT_FOUND', `no route ${req.method} ${req.path}`);
  });
  app.use((error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) {
      next(error);
      return;
    }
    const problem = problemFromError(error);
    if (problem.status >= 500)
      options.logger.error({ err: error, method: req.method, path: req.path }, 'request failed');
    sendProblem(res, problem);
  });
  return app;
}

function requestLog(logger: Logger) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      logger.debug({ method: req.method, path: req.path, status: res.statusCode, ms }, 'request');
    });
    next();
  };
}
