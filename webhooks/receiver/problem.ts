import type { Response } from 'express';
import type { FieldIssue } from '../../src/errors/index.js';

/** Answers with an RFC 9457 `application/problem+json` body; `errors` carries field paths for bad input. */
export function sendProblem(res: Response, status: number, title: string, detail?: string, errors?: readonly FieldIssue[]): void {
  res
    .status(status)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: 'about:blank',
        title,
        status,
        ...(detail ? { detail } : {}),
        ...(errors ? { errors: errors.map(({ path, message }) => ({ path, message })) } : {}),
      }),
    );
}
