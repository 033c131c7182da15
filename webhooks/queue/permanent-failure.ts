import { FeatBitApiError } from '../../src/featbit/rest-client/index.js';

/** Marks an error whose job cannot succeed by retrying: it goes to the failed set at once, for a person. */
export interface PermanentFailure {
  readonly permanent: true;
}

/** HTTP answers a retry can change: a timeout, a revision conflict, a rate limit. Every other 4xx is the request's fault. */
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 409, 425, 429]);

/**
 * Whether a job failed for good (ARCHITECTURE.md, "Jobs"): a FeatBit answer 4xx other than 408/409/425/429 (a missing
 * permission, a revoked token, a body FeatBit refuses), or an error that declares itself permanent (a revert blocked by
 * missing permissions, a flag that can neither be parsed nor restored). Retrying those for half an hour only delays
 * the person who must act; everything else (5xx, no answer, a revert FeatBit did not hold) is retried with backoff.
 */
export function isPermanentFailure(error: unknown): boolean {
  if (typeof error === 'object' && error !== null && (error as Partial<PermanentFailure>).permanent === true)
    return true;
  if (error instanceof FeatBitApiError)
    return error.status >= 400 && error.status < 500 && !RETRYABLE_CLIENT_STATUSES.has(error.status);
  return false;
}
