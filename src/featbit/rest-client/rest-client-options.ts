import { z } from 'zod';
import type { Logger } from '../../logging/index.js';
import { parseOrThrow } from '../../errors/index.js';
import { DEFAULT_HTTP_RETRY_POLICY, type HttpRetryPolicy } from './http-retry-policy.js';

/** Settings of a FeatBit REST client, validated when the client is built. */
export interface FeatBitRestClientOptions {
  /** FeatBit API server root, e.g. `http://localhost:5000` (no `/api/v1`). */
  readonly baseUrl: string;
  /** FeatBit access token (`api-…`), sent as the raw `Authorization` header; never logged. */
  readonly accessToken: string;
  /** Per-attempt timeout; default 10 s. */
  readonly timeoutMs?: number;
  /** Most requests in flight at once; default 16. The client starts at 4 and adapts within it (`AdaptiveLimit`). */
  readonly maxConcurrency?: number;
  /** Retry of 5xx, timeouts and refused/reset connections; never of 4xx. */
  readonly retry?: Partial<HttpRetryPolicy>;
  /** Where retries are reported; silent when absent. */
  readonly logger?: Logger;
}

const optionsSchema = z.object({
  baseUrl: z.url({ protocol: /^https?$/ }),
  accessToken: z.string().min(1, 'an access token is required'),
  timeoutMs: z.number().int().positive().default(10_000),
  maxConcurrency: z.number().int().positive().max(256).default(16),
  retry: z
    .object({
      attempts: z.number().int().min(1).default(DEFAULT_HTTP_RETRY_POLICY.attempts),
      baseDelayMs: z.number().int().nonnegative().default(DEFAULT_HTTP_RETRY_POLICY.baseDelayMs),
      maxDelayMs: z.number().int().nonnegative().default(DEFAULT_HTTP_RETRY_POLICY.maxDelayMs),
    })
    .default(DEFAULT_HTTP_RETRY_POLICY),
});

/** Options with every default filled in. */
export type ResolvedRestClientOptions = z.output<typeof optionsSchema> & { readonly logger?: Logger };

/** Validates client options, naming the bad field; the token itself never appears in the error. */
export function resolveRestClientOptions(options: FeatBitRestClientOptions): ResolvedRestClientOptions {
  const { logger, ...rest } = options;
  return { ...parseOrThrow(optionsSchema, rest), ...(logger === undefined ? {} : { logger }) };
}
