import { FeatBitApiError } from '../../src/featbit/rest-client/index.js';
import { isMarkedPermanent } from '../../src/jobs/index.js';

/** HTTP answers a retry can change: a timeout, a revision conflict, a rate limit. Every other 4xx is the request's fault. */
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * Whether a reconcile job failed for good (ARCHITECTURE.md, "Jobs"): a FeatBit answer 4xx other than 408/409/425/429
 * (a missing permission, a revoked token, a body FeatBit refuses), or an error that declares itself permanent
 * (`PermanentFailure`: a revert blocked by missing permissions, a flag that can neither be parsed nor restored).
 * Retrying those for half an hour only delays the person who must act; everything else (5xx, no answer, a revert
 * FeatBit did not hold) is retried with backoff.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (isMarkedPermanent(error)) return true;
  if (error instanceof FeatBitApiError)
    return error.status >= 400 && error.status < 500 && !RETRYABLE_CLIENT_STATUSES.has(error.status);
  return false;
}
