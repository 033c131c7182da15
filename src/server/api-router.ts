import { Router, type NextFunction, type Request, type Response } from 'express';
import type { z } from 'zod';
import { fieldIssuesFromZod, ForbiddenError, ValidationError } from '../errors/index.js';
import type { Authenticator, Principal } from '../identity/index.js';
import { decodeBody, rawBody } from './request-body.js';
import type { RouteDefinition } from './route-definition.js';

/** Options of the API router. */
export interface ApiRouterOptions {
  readonly routes: readonly RouteDefinition[];
  readonly authenticator: Authenticator;
  readonly bodyLimitBytes: number;
}

/**
 * Mounts every route: authenticate (401), check the route's permission (403), read the body within the size
 * limit (413), validate params, query and body with their strict schemas (400 with field paths), then run the
 * handler. Validation happens before any handler runs, so a rejected request never reaches the ledger.
 */
export function createApiRouter(options: ApiRouterOptions): Router {
  const router = Router();
  for (const route of options.routes) {
    const handlers = [
      authenticate(options.authenticator, route),
      ...(route.body ? [rawBody(options.bodyLimitBytes)] : []),
      async (req: Request, res: Response) => {
        const principal = res.locals.principal as Principal;
        const params = validate(route.params, req.params, 'params.');
        const query = validate(route.query, { ...req.query }, 'query.');
        const body = route.body
          ? validate(route.body, decodeBody(req.body, req.headers['content-type'], route.acceptsYaml ?? false), '')
          : undefined;
        const result = await route.handler({ params, query, body, principal, request: req, response: res });
        const output = route.response.parse(result);
        res.status(route.successStatus ?? 200).json(output);
      },
    ];
    router[route.method](route.path, ...handlers);
  }
  return router;
}

function authenticate(authenticator: Authenticator, route: RouteDefinition) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    const principal = await authenticator.authenticate(req.headers.authorization);
    if (!principal.permissions.has(route.permission)) {
      const roles = principal.roles.length > 0 ? principal.roles.join(', ') : 'no roles';
      throw new ForbiddenError(`${principal.id} (${roles}) lacks the permission ${route.permission}`);
    }
    res.locals.principal = principal;
    next();
  };
}

function validate(schema: z.ZodType | undefined, input: unknown, prefix: string): unknown {
  if (!schema) return input ?? {};
  const result = schema.safeParse(input ?? (prefix === '' ? undefined : {}));
  if (result.success) return result.data;
  throw new ValidationError(fieldIssuesFromZod(result.error, { prefix: prefix.replace(/\.$/, '') }));
}
