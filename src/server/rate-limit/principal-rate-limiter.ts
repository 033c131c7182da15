import type { NextFunction, Request, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { IdentityMapping, type Principal } from '../../identity/index.js';
import { ActorKind } from '../../ledger/index.js';
import type { Logger } from '../../logging/index.js';
import { HttpProblemError } from '../problem.js';
import type { RateLimitConfig } from '../../config/index.js';

/** Which budget a request draws on. */
export enum RequestBudget {
  Read = 'read',
  Write = 'write',
  ServiceWrite = 'service-write',
}

/** Where the counters live: Redis (shared by every process) or this process's memory (embedded mode). */
export interface RateLimiterStore {
  readonly redis?: Redis;
  readonly prefix: string;
}

/** Answered with 429: the caller spent its budget; `retryAfterSeconds` is when the window frees a request. */
export class RateLimitedError extends HttpProblemError {
  constructor(
    readonly retryAfterSeconds: number,
    message: string,
  ) {
    super(429, 'RATE_LIMITED', message);
    this.name = 'RateLimitedError';
  }
}

/**
 * Per-principal rate limits (rate-limiter-flexible): one counter per person and budget, keyed through the identity
 * mapping so a person's tokens and OIDC identities share one budget. In Redis mode the counters are in Redis (with
 * an in-memory insurance limiter while Redis is unreachable, so an outage neither lifts the limits nor fails
 * requests); embedded, in memory. The check runs after authentication and before the body is read or any handler
 * runs, so a refused request changes nothing.
 */
export class PrincipalRateLimiter {
  private readonly limiters = new Map<RequestBudget, RateLimiterAbstract>();

  constructor(
    private readonly config: RateLimitConfig,
    store: RateLimiterStore,
    private readonly identities: IdentityMapping = new IdentityMapping(),
    private readonly logger?: Logger,
  ) {
    const budgets: [RequestBudget, number][] = [
      [RequestBudget.Read, config.reads],
      [RequestBudget.Write, config.writes],
      [RequestBudget.ServiceWrite, config.serviceWrites],
    ];
    for (const [budget, points] of budgets) {
      if (points === 0) continue;
      const options = { points, duration: config.windowSeconds, keyPrefix: `${store.prefix}ratelimit:${budget}` };
      this.limiters.set(
        budget,
        store.redis
          ? new RateLimiterRedis({
              ...options,
              storeClient: store.redis,
              useRedisPackage: false,
              insuranceLimiter: new RateLimiterMemory(options),
            })
          : new RateLimiterMemory(options),
      );
    }
  }

  /** The budget a request by `principal` with `method` draws on. */
  static budgetOf(principal: Pick<Principal, 'kind'>, method: string): RequestBudget {
    if (method === 'GET' || method === 'HEAD') return RequestBudget.Read;
    return principal.kind === ActorKind.Service ? RequestBudget.ServiceWrite : RequestBudget.Write;
  }

  /** Takes one request from the caller's budget; throws `RateLimitedError` when it is spent. */
  async take(principal: Principal, method: string): Promise<void> {
    const budget = PrincipalRateLimiter.budgetOf(principal, method);
    const limiter = this.limiters.get(budget);
    if (!limiter) return;
    const person = this.identities.personOfPrincipal(principal);
    try {
      await limiter.consume(person, 1);
    } catch (refusal) {
      if (!(refusal instanceof RateLimiterRes)) {
        // Neither Redis nor the insurance limiter answered: fail open for this request, and say so.
        this.logger?.warn({ err: refusal, budget }, 'rate limiter unavailable; request let through');
        return;
      }
      const retryAfterSeconds = Math.max(1, Math.ceil(refusal.msBeforeNext / 1000));
      const allowed =
        budget === RequestBudget.Read
          ? this.config.reads
          : budget === RequestBudget.ServiceWrite
            ? this.config.serviceWrites
            : this.config.writes;
      throw new RateLimitedError(
        retryAfterSeconds,
        `${principal.id} made more than ${allowed} ${budget === RequestBudget.Read ? 'reads' : 'writes'} in ${this.config.windowSeconds} s; retry after ${retryAfterSeconds} s`,
      );
    }
  }

  /** Express middleware: takes the budget of the authenticated caller (`res.locals.principal`), 429 with `Retry-After`. */
  middleware() {
    return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
      const principal = res.locals.principal as Principal | undefined;
      if (principal) {
        try {
          await this.take(principal, req.method);
        } catch (error) {
          if (error instanceof RateLimitedError) res.set('Retry-After', String(error.retryAfterSeconds));
          throw error;
        }
      }
      next();
    };
  }
}
