/**
 * How the FeatBit REST client retries one HTTP request that failed transiently, inside the caller's await: a few
 * attempts, exponential backoff with full jitter (many callers hitting a recovering FeatBit spread out). Not the
 * job queue's `JobRetryPolicy`, which re-runs a whole durable job minutes apart and keeps it when it gives up.
 */
export interface HttpRetryPolicy {
  /** Total attempts including the first; 1 disables retries. */
  readonly attempts: number;
  /** Backoff cap of the first retry; doubles on each further retry. */
  readonly baseDelayMs: number;
  /** Upper bound of any single backoff. */
  readonly maxDelayMs: number;
}

/** Defaults suited to a FeatBit API server: 4 attempts, 200 ms doubling up to 5 s. */
export const DEFAULT_HTTP_RETRY_POLICY: HttpRetryPolicy = { attempts: 4, baseDelayMs: 200, maxDelayMs: 5_000 };

/** Network error codes that mean "FeatBit did not get or answer the request"; safe to retry. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ERR_CANCELED',
]);

/** True for failures worth another attempt: 5xx, timeouts, refused and reset connections; never 4xx such as 409. */
export function isTransientFailure(status: number, networkCode: string | undefined): boolean {
  if (status >= 500) return true;
  if (status === 0) return networkCode === undefined || TRANSIENT_NETWORK_CODES.has(networkCode);
  return false;
}

/** Full-jitter backoff before retry number `retry` (1-based): uniform in [0, min(max, base·2^(retry-1))]. */
export function backoffDelayMs(policy: HttpRetryPolicy, retry: number, random: () => number = Math.random): number {
  const cap = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.floor(random() * cap);
}
