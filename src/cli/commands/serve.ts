import type { Command } from 'commander';
import { loadServiceConfig } from '../../config/index.js';

interface ServeOptions {
  readonly config?: string;
  readonly port?: string;
}

/**
 * Adds `featgate serve`: the governance API, the manifest endpoints and, with no FeatBit configured, a sandbox. The
 * service is loaded only when it runs, so the API verbs of the CLI start quickly.
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
        overrides: { port: options.port === undefined ? undefined : /^\d+$/.test(options.port) ? Number(options.port) : options.port },
      });
      const { startService } = await import('../../server/index.js');
      const service = await startService(config);
      const lines = [
        `featgate listening on ${service.url}`,
        `store: ${config.redisUrl ? 'redis' : `embedded (${config.dataDir})`}`,
        `openapi: ${service.url}/openapi.json`,
      ];
      if (service.sandboxUrl) lines.push(`featbit sandbox: ${service.sandboxUrl} (in-process, demo data)`);
      if (service.sandboxDemo) {
        lines.push(`featbit sandbox environment: ${service.sandboxDemo.envId}; its webhooks reach featgate`);
        lines.push(`featbit sandbox token of flag admin "flag-admin": ${service.sandboxDemo.adminToken}`);
      }
      for (const [role, token] of Object.entries(service.demoTokens)) lines.push(`demo token ${role}: ${token}`);
      process.stdout.write(`${lines.join('\n')}\n`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await service.close();
    });
}
