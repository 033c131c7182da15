export { problemSchema, sendProblem, type Problem } from '../errors/index.js';
import { ErrorCode, FeatgateError, problem, ValidationError, type Problem } from '../errors/index.js';
import { FeatBitApiError, FeatBitConflictError } from '../featbit/rest-client/index.js';

const STATUS_OF: Record<ErrorCode, number> = {
  [ErrorCode.Validation]: 400,
  [ErrorCode.TooLarge]: 413,
  [ErrorCode.Unauthorized]: 401,
  [ErrorCode.Forbidden]: 403,
  [ErrorCode.PolicyViolation]: 403,
  [ErrorCode.NotFound]: 404,
  [ErrorCode.Conflict]: 409,
  [ErrorCode.Upstream]: 502,
  [ErrorCode.Config]: 500,
  [ErrorCode.Integrity]: 500,
  [ErrorCode.Internal]: 500,
};

/** An error raised by the HTTP layer itself (body too large, wrong media type) with its status. */
export class HttpProblemError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'HttpProblemError';
  }
}

/** An error that carries extra machine-readable detail for the problem body (e.g. what approvals are missing). */
export interface ProblemExtras {
  readonly missing?: unknown;
}

/**
 * Maps any thrown error to a problem document. Featgate errors keep their message (they are written for
 * people and never contain secrets); anything unexpected becomes a bare 500 so internals never leak.
 */
export function problemFromError(error: unknown): Problem {
  if (error instanceof HttpProblemError) return problem(error.status, error.code, error.message);
  if (isBodyParserError(error)) {
    if (error.status === 413)
      return problem(413, 'PAYLOAD_TOO_LARGE', `request body exceeds the limit of ${error.limit} bytes`);
    return problem(400, ErrorCode.Validation, error.message);
  }
  if (error instanceof FeatBitApiError) {
    if (error instanceof FeatBitConflictError)
      return problem(409, ErrorCode.Conflict, 'FeatBit changed the flag meanwhile; try again');
    return problem(
      502,
      ErrorCode.Upstream,
      `FeatBit refused or failed: ${error.featBitMessage || `HTTP ${error.status}`}`,
    );
  }
  if (error instanceof FeatgateError) {
    const status = STATUS_OF[error.code] ?? 500;
    if (status === 500) return problem(500, error.code, 'internal error');
    if (error instanceof ValidationError) {
      return problem(status, error.code, error.message, error.issues);
    }
    const body = problem(status, error.code, error.message);
    const extras = error as Partial<ProblemExtras>;
    return extras.missing !== undefined ? { ...body, missing: extras.missing } : body;
  }
  return problem(500, ErrorCode.Internal, 'internal error');
}

function isBodyParserError(error: unknown): error is { status: number; message: string; limit?: number; type: string } {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number' &&
    (error as { type: string }).type.startsWith('entity.')
  );
}
