import { ErrorCode, FeatgateError } from './featgate-error.js';

/** A configuration or policy file that featgate refuses to start with. */
export class ConfigError extends FeatgateError {
  readonly code = ErrorCode.Config;
}

/** Something asked for by id or key does not exist. */
export class NotFoundError extends FeatgateError {
  readonly code = ErrorCode.NotFound;
}

/** A record or value larger than featgate stores (answered 413 with the size and the limit). */
export class TooLargeError extends FeatgateError {
  readonly code = ErrorCode.TooLarge;
}

/** The request conflicts with the current state (stale revision, wrong status). */
export class ConflictError extends FeatgateError {
  readonly code = ErrorCode.Conflict;
}

/** The caller is not authenticated. */
export class UnauthorizedError extends FeatgateError {
  readonly code = ErrorCode.Unauthorized;
}

/** The caller is authenticated but not allowed to do this. */
export class ForbiddenError extends FeatgateError {
  readonly code = ErrorCode.Forbidden;
}

/** The action is refused by policy (separation of duties, missing approval, out-of-plan stage). */
export class PolicyViolationError extends FeatgateError {
  readonly code = ErrorCode.PolicyViolation;
}

/** Stored data failed an integrity check (broken hash chain, bad signature). */
export class IntegrityError extends FeatgateError {
  readonly code = ErrorCode.Integrity;
}
