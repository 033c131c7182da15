import type { Response } from 'express';

/** An answer the sandbox gives in FeatBit's envelope with a FeatBit status and error strings. */
export class SandboxHttpError extends Error {
  constructor(
    readonly status: number,
    readonly errors: readonly string[],
  ) {
    super(`${status} ${errors.join(', ')}`);
  }

  /** 404 `["ResourceNotFound"]`. */
  static notFound(): SandboxHttpError {
    return new SandboxHttpError(404, ['ResourceNotFound']);
  }

  /** 409 `["Conflict"]` for a stale revision. */
  static conflict(): SandboxHttpError {
    return new SandboxHttpError(409, ['Conflict']);
  }
}

/** Sends `{success: true, errors: [], data}` like FeatBit's `ApiResponse.Ok`. */
export function sendOk(res: Response, data: unknown): void {
  res.status(200).json({ success: true, errors: [], data: data ?? null });
}

/** Sends `{success: false, errors, data: null}` with `status`. */
export function sendError(res: Response, status: number, errors: readonly string[]): void {
  res.status(status).json({ success: false, errors, data: null });
}
