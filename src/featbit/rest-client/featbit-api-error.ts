import { ErrorCode, FeatgateError } from '../../errors/index.js';

/** What the client knows about a failed FeatBit call, for error messages and retry decisions. */
export interface FeatBitErrorDetails {
  /** HTTP status, or 0 when no response arrived (timeout, refused connection). */
  readonly status: number;
  /** FeatBit's `errors[]` from the `{success, errors, data}` envelope, e.g. `["Conflict"]`. */
  readonly errors: readonly string[];
  /** `METHOD path` of the request, never with credentials. */
  readonly request: string;
}

/**
 * Base class of every error the FeatBit REST client raises: carries the HTTP status and FeatBit's own
 * error strings so callers can branch on the type and people can read FeatBit's message.
 */
export class FeatBitApiError extends FeatgateError {
  readonly code: ErrorCode = ErrorCode.Upstream;
  readonly status: number;
  readonly errors: readonly string[];
  readonly request: string;

  constructor(details: FeatBitErrorDetails, options?: { cause?: unknown }) {
    const reason = details.errors.length > 0 ? details.errors.join(', ') : 'no error message';
    const status = details.status > 0 ? `HTTP ${details.status}` : 'no response';
    super(`FeatBit ${details.request} failed (${status}): ${reason}`, options);
    this.status = details.status;
    this.errors = details.errors;
    this.request = details.request;
  }

  /** FeatBit's first error string (e.g. `Conflict`, `offVariationId_is_required`), or an empty string. */
  get featBitMessage(): string {
    return this.errors[0] ?? '';
  }
}

/**
 * 400: FeatBit rejected the body (`<field>_is_required`, `<field>_is_invalid`), or ASP.NET could not bind it and
 * answered problem details (errors read as `<json path>: <message>`, e.g. `$.revision: The JSON value could not …`).
 */
export class FeatBitBadRequestError extends FeatBitApiError {
  override readonly code = ErrorCode.Validation;
}

/** 401: the access token is unknown or inactive (`["Unauthorized"]`). */
export class FeatBitUnauthorizedError extends FeatBitApiError {
  override readonly code = ErrorCode.Unauthorized;
}

/** 403: the token may not do this (`["Forbidden"]`), e.g. an endpoint not open to access tokens. */
export class FeatBitForbiddenError extends FeatBitApiError {
  override readonly code = ErrorCode.Forbidden;
}

/** 404: no such flag, segment or environment (`["ResourceNotFound"]`). */
export class FeatBitNotFoundError extends FeatBitApiError {
  override readonly code = ErrorCode.NotFound;
}

/** 409: the `revision` sent is stale (`["Conflict"]`); re-read and re-plan, never retry blindly. */
export class FeatBitConflictError extends FeatBitApiError {
  override readonly code = ErrorCode.Conflict;
}

/** 422: a business rule refused the change, e.g. `CannotDeleteUnarchivedFeatureFlag`. */
export class FeatBitUnprocessableError extends FeatBitApiError {
  override readonly code = ErrorCode.Validation;
}

/** A 2xx answer whose envelope says `success: false` (FeatBit's JSON Patch errors are sent this way). */
export class FeatBitRejectedError extends FeatBitApiError {
  override readonly code = ErrorCode.Validation;
}

/** 5xx, a timeout or a refused/reset connection that persisted through every retry. */
export class FeatBitUnavailableError extends FeatBitApiError {
  override readonly code = ErrorCode.Upstream;
}

/** Builds the typed error for an HTTP status, so callers can `instanceof` instead of reading numbers. */
export function featBitErrorForStatus(details: FeatBitErrorDetails, cause?: unknown): FeatBitApiError {
  const options = cause === undefined ? undefined : { cause };
  switch (details.status) {
    case 400:
      return new FeatBitBadRequestError(details, options);
    case 401:
      return new FeatBitUnauthorizedError(details, options);
    case 403:
      return new FeatBitForbiddenError(details, options);
    case 404:
      return new FeatBitNotFoundError(details, options);
    case 409:
      return new FeatBitConflictError(details, options);
    case 422:
      return new FeatBitUnprocessableError(details, options);
    default:
      if (details.status === 0 || details.status >= 500) return new FeatBitUnavailableError(details, options);
      if (details.status >= 200 && details.status < 300) return new FeatBitRejectedError(details, options);
      return new FeatBitApiError(details, options);
  }
}
