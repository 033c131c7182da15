import { createServer } from 'node:net';
import { ConfigError } from '../errors/index.js';

/**
 * Fails with a one-line ConfigError when `port` on `host` is already taken, before anything else starts (a sandbox,
 * Redis connections, the ledger), so a busy port never leaves half a service behind. Port 0 (any free port) passes.
 */
export async function assertPortFree(port: number, host: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE')
        reject(
          new ConfigError(
            `port ${port} on ${host} is already in use: stop what holds it, or choose another with --port or PORT`,
          ),
        );
      else if (error.code === 'EACCES')
        reject(
          new ConfigError(
            `port ${port} on ${host} needs privileges this process lacks: choose a port above 1023 with --port or PORT`,
          ),
        );
      else reject(new ConfigError(`cannot listen on ${host}:${port}: ${error.message}`));
    });
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}
