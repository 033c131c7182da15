/** Codes that tell callers (HTTP, CLI, workers) what kind of failure happened without parsing messages. */
export enum ErrorCode {
  Validation = 'VALIDATION',
  /** A request or record larger than featgate keeps (413). */
  TooLarge = 'TOO_LARGE',
  Config = 'CONFIG',
  NotFound = 'NOT_FOUND',
  Conflict = 'CONFLICT',
  Unauthorized = 'UNAUTHORIZED',
  Forbidden = 'FORBIDDEN',
  PolicyViolation = 'POLICY_VIOLATION',
  Integrity = 'INTEGRITY',
  Upstream = 'UPSTREAM',
  Internal = 'INTERNAL',
}

/** Base class of every error featgate raises on purpose; `code` is stable, the message is for people. */
export abstract class FeatgateError extends Error {
  abstract readonly code: ErrorCode;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}
