import { reconnectDelayMs } from '../redis/index.js';

/** The connection and key prefix every featgate BullMQ queue and worker uses. */
export interface BullmqConnection {
  readonly connection: {
    readonly url: string;
    readonly maxRetriesPerRequest: null;
    readonly retryStrategy: (attempt: number) => number;
  };
  /** BullMQ's key prefix: `<featgate prefix>bull`, so its keys become `<prefix>bull:<queueName>:…`. */
  readonly prefix: string;
}

/**
 * BullMQ connection options shared by every queue: commands wait through a Redis outage instead of failing
 * (`maxRetriesPerRequest: null`, which BullMQ workers require) and reconnect on featgate's schedule, so every
 * queue comes back as fast as the others after Redis returns.
 */
export function bullmqConnection(redisUrl: string, featgatePrefix: string): BullmqConnection {
  return {
    connection: { url: redisUrl, maxRetriesPerRequest: null, retryStrategy: reconnectDelayMs },
    prefix: `${featgatePrefix}bull`,
  };
}
