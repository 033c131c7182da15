import type { Command } from 'commander';
import { loadServiceConfig } from '../../config/index.js';
import { listenForShutdown } from '../graceful-shutdown.js';
import { assertPortFree } from '../port-check.js';

interface ServeOptions {
  readonly config?: string;
  readonly port?: string;
}

/**
 * Adds `featgate serve`: the governance API, the manifest endpoints and, with no FeatBit configured, a sandbox. The
 * service is loaded only when it runs, so the API verbs of the CLI start quickly. A busy port is a one-line error
 * before anything starts; SIGINT or SIGTERM stop the process within seconds, even while it is still starting.
 */
export function registerServeCommands(program: Command): void {
  program
    .command('serve')
    .description('Run the governance service (config: --config / FEATGATE_CONFIG, environment variables, --port)')
    .option('--config <file>', 'YAML config file')
    .option('--port <port>', 'TCP port (overrides PORT and the config file; 0 = any free port)')
    .action(async (options: ServeOptions) => {
      const config = loadServiceConfig({
        ...(options.config ? { file: options.config } : {}),
        overrides: {
          port:
            options.port === undefined ? undefined : /^\d+$/.test(options.port) ? Number(options.port) : options.port,
        },
      });
      await assertPortFree(config.port, config.host);
      const shutdown = listenForShutdown();
      const { startService, demoBanner } = await import('../../server/index.js');
      const started = await Promise.race([
        startService(config).then((service) => ({ service })),
        shutdown.received.then((signal) => ({ signal })),
      ]);
      if ('signal' in started) return shutdown.exitAfter(async () => undefined, started.signal, 0);
      const { service } = started;
      process.stdout.write(`${demoBanner(service, config).join('\n')}\n`);
      await shutdown.exitAfter(() => service.close(), await shutdown.received);
    });
}
