import { z } from 'zod';

/**
 * Per-principal request budgets of the API (`rateLimits` in the config file). Writes (every method but GET and
 * HEAD) are bounded per person, so one token cannot flood the ledger with records; reads are looser. Service
 * identities (tokens of `kind: service`, e.g. CI reporting evidence and signals) get their own, higher write budget.
 * A budget of 0 means unlimited.
 */
export const rateLimitConfigSchema = z.strictObject({
  /** Length of the window the budgets count over, in seconds. */
  windowSeconds: z.number().int().min(1).max(3600).default(60),
  /** Writes a person may make per window. */
  writes: z.number().int().min(0).max(1_000_000).default(300),
  /** Writes a service identity may make per window. */
  serviceWrites: z.number().int().min(0).max(1_000_000).default(3000),
  /** Reads (GET, HEAD) a caller may make per window; 0 = unlimited. */
  reads: z.number().int().min(0).max(1_000_000).default(0),
});
export type RateLimitConfig = z.infer<typeof rateLimitConfigSchema>;

/** The defaults, for code that builds an app without a config file. */
export const DEFAULT_RATE_LIMITS: RateLimitConfig = { windowSeconds: 60, writes: 300, serviceWrites: 3000, reads: 0 };
