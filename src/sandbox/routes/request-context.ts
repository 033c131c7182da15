import type { NextFunction, Request, Response } from 'express';
import { z } from 'zod';
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
 * active token (no `Bearer`), else 401 `["Unauthorized"]`; read-only tokens get 403 `["Forbidden"]` on writes.
 */
export function authenticateAccessToken(tokens: TokenRegistry) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const token = tokens.find(req.header('authorization'));
    if (!token) return sendError(res, 401, ['Unauthorized']);
    if (token.readOnly && req.method !== 'GET') return sendError(res, 403, ['Forbidden']);
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
    return sendModelBindingProblem(res, new ModelBindingProblem({ $: [`The request body is not valid JSON: ${(error as Error).message}`] }));
  }
  sendError(res, 500, ['InternalServerError']);
}

/** Reads `pageIndex`/`pageSize` (FeatBit defaults 0 and 10) and slices `items`. */
export function page<T>(items: readonly T[], query: Request['query']): { totalCount: number; items: T[] } {
  const pageIndex = Math.max(0, Number.parseInt(String(query['pageIndex'] ?? '0'), 10) || 0);
  const pageSize = Math.max(1, Number.parseInt(String(query['pageSize'] ?? '10'), 10) || 10);
  return { totalCount: items.length, items: items.slice(pageIndex * pageSize, (pageIndex + 1) * pageSize) };
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
