/**
 * How soon a Redis client reconnects after Redis went away: every 200 ms at first, at most 1 s apart. ioredis grows
 * its delay to 2 s and BullMQ's connections to 20 s, which kept workers idle for about 9 s after a 10 s Redis outage
 * ended. Shared by the service's client and every BullMQ queue, so all of them are back together.
 */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(200 * attempt, 1_000);
}

/** How soon a BullMQ worker fetches jobs again after a Redis error (BullMQ's default is 15 s). */
export const BULLMQ_RUN_RETRY_DELAY_MS = 500;
