import type { Logger } from './logger.js';

/**
 * A listener for a client's `error` events (ioredis, BullMQ) that logs each distinct error at most once per
 * `windowMs`: an unreachable Redis emits an error on every reconnection attempt, and without a listener ioredis
 * and BullMQ print raw stacks to stderr. Logging once per window keeps the outage visible without flooding.
 */
export function connectionErrorLog(logger: Logger, what: string, windowMs = 30_000): (error: Error) => void {
  const lastLogged = new Map<string, number>();
  return (error) => {
    const now = Date.now();
    const key = error.message;
    if ((lastLogged.get(key) ?? -Infinity) > now - windowMs) return;
    lastLogged.set(key, now);
    if (lastLogged.size > 100) lastLogged.delete(lastLogged.keys().next().value!);
    logger.warn(
      { err: error.message },
      `${what}: connection error (repeats of it are silent for ${Math.round(windowMs / 1000)} s)`,
    );
  };
}
