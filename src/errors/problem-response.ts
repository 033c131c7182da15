import type { Response } from 'express';
import { z } from 'zod';
import type { FieldIssue } from './validation-error.js';

/** RFC 9457 problem details, as every error answer of featgate (API, manifest routes, webhook receiver) carries them. */
export const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string().optional(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  missing: z.unknown().optional(),
});
export type Problem = z.infer<typeof problemSchema>;

const TITLE_OF: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Builds a problem document; `code` is featgate's stable machine-readable reason, `errors` the field paths of bad input. */
export function problem(status: number, code: string, detail: string, errors?: readonly FieldIssue[]): Problem {
  const body: Problem = {
    type: `https://featgate.dev/problems/${code.toLowerCase()}`,
    title: TITLE_OF[status] ?? 'Error',
    status,
    detail,
    code,
  };
  return errors ? { ...body, errors: errors.map(({ path, message }) => ({ path, message })) } : body;
}

/** Writes a problem document as `application/problem+json` (401s also name the Bearer scheme). */
export function sendProblem(res: Response, body: Problem): void {
  if (body.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res.status(body.status).type('application/problem+json').send(JSON.stringify(body));
}
