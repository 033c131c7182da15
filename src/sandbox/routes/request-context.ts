import type { NextFunction, Request, Response } from 'express';
import type { z } from 'zod';
import { ValidationError, fieldIssuesFromZod } from '../../errors/index.js';
import { SandboxHttpError, sendError } from '../api-envelope.js';
import { ModelBindingProblem, sendModelBindingProblem } from './model-binding.js';
import type { SandboxAccessToken, TokenRegistry } from '../sandbox-identity.js';

/** The access token that authenticated this request (set by `authenticateAccessToken`). */
export function requestToken(res: Response): SandboxAccessToken {
  return res.locals['token'] as SandboxAccessToken;
}

/**
 * FeatBit's access-token authentication (`OpenApiHandler`): the raw `Authorization` header must equal an
 * active token (no `Bearer`), else 401 `["Unauthorized"]` with `WWW-Authenticate: Bearer`. What the token may do
 * is decided per route and per resource (`route-authorization.ts`).
 */
export function authenticateAccessToken(tokens: TokenRegistry) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = tokens.find(req.header('authorization'));
    if (!token) {
      res.setHeader('WWW-Authenticate', 'Bearer');
      return sendError(res, 401, ['Unauthorized']);
    }
    res.locals['token'] = token;
    next();
  };
}

/**
 * Validates a request body the way FeatBit's validators answer: 400 with `<field>_is_required` when a
 * top-level field is missing, `<field>_is_invalid` otherwise (the field path is kept after a colon).
 */
export function parseBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  throw new ValidationError(fieldIssuesFromZod(result.error));
}

/** FeatBit-style error codes for validation issues. */
export function validationCodes(error: ValidationError): string[] {
  return [
    ...new Set(
      error.issues.map((issue) => {
        const [field = 'body'] = issue.path.split('.');
        return issue.message.includes('received undefined') ? `${field}_is_required` : `${field}_is_invalid`;
      }),
    ),
  ];
}

/**
 * Answers sandbox errors in FeatBit's envelope; a body that is not JSON or cannot be bound gets ASP.NET Core's
 * 400 problem details, as FeatBit's `[ApiController]`s answer it; anything unexpected becomes 500 `["InternalServerError"]`.
 */
export function envelopeErrorHandler(error: unknown, _req: Request, res: Response, _next: NextFunction): void {
  if (res.headersSent) return;
  if (error instanceof SandboxHttpError) return sendError(res, error.status, error.errors);
  if (error instanceof ModelBindingProblem) return sendModelBindingProblem(res, error);
  if (error instanceof ValidationError) return sendError(res, 400, validationCodes(error));
  if (error instanceof SyntaxError || (error as { type?: string }).type === 'entity.parse.failed') {
    return sendModelBindingProblem(
      res,
      new ModelBindingProblem({ $: [`The request body is not valid JSON: ${(error as Error).message}`] }),
    );
  }
  sendError(res, 500, ['InternalServerError']);
}

function pagingValue(query: Request['query'], name: string, fallback: number): number {
  const raw = query[name];
  if (raw === undefined) return fallback;
  const text = String(Array.isArray(raw) ? raw[0] : raw).trim();
  if (!/^[-+]?\d{1,10}$/.test(text) || Math.abs(Number(text)) > 2 ** 31 - 1) {
    throw new ModelBindingProblem({
      [name]: [`The value '${String(raw)}' is not valid for ${name[0]!.toUpperCase()}${name.slice(1)}.`],
    });
  }
  return Number(text);
}

/**
 * `PagedRequest` (`pageIndex` 0, `pageSize` 10 by default) as the Postgres store runs it: `OFFSET index*size
 * LIMIT size`, so size 0 is an empty page and a negative offset or limit a database error (500); a value that is
 * not an int fails model binding. `map` turns each item of the page into its view model (and may throw).
 */
export function page<T, V = T>(
  items: readonly T[],
  query: Request['query'],
  map?: (item: T) => V,
): { totalCount: number; items: V[] } {
  const pageIndex = pagingValue(query, 'pageIndex', 0);
  const pageSize = pagingValue(query, 'pageSize', 10);
  if (pageIndex < 0 || pageSize < 0) throw new Error('OFFSET and LIMIT must not be negative');
  const slice = items.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize);
  return { totalCount: items.length, items: map ? slice.map(map) : (slice as unknown as V[]) };
}

/** A query value as a list of strings (repeated keys or a single value). */
export function queryList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map(String);
}

/** A query value as a boolean, `undefined` when absent. */
export function queryBoolean(value: unknown): boolean | undefined {
  if (value === undefined || value === '') return undefined;
  return String(value).toLowerCase() === 'true';
}
