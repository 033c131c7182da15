import type { Command } from 'commander';
import type { SeedData } from '../../sandbox/index.js';

/** Collects repeated `--seed` options. */
function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/**
 * `featgate sandbox [--port 5100] [--host 127.0.0.1] [--seed file]…`: runs the FeatBit emulator until
 * interrupted. Prints the bound URL, environments with their SDK secrets and the demo access token
 * (sandbox-only credentials) so users and tests can connect.
 */
export function registerSandboxCommands(program: Command): void {
  program
    .command('sandbox')
    .description('Run a local FeatBit emulator (REST API, SDK polling endpoint, webhooks, fault injection)')
    .option('--port <port>', 'TCP port (0 picks a free one)', '5100')
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option(
      '--seed <file>',
      'seed JSON: data-sync document, array of flags or array of segments (repeatable)',
      collect,
      [],
    )
    .action(async (options: { port: string; host: string; seed: string[] }) => {
      const port = Number.parseInt(options.port, 10);
      if (!Number.isInteger(port) || port < 0 || port > 65535)
        throw new Error(`--port must be 0..65535, got ${options.port}`);
      const { createSandbox, readSeedFile } = await import('../../sandbox/index.js');
      const seeds: SeedData[] = [];
      for (const file of options.seed) seeds.push(await readSeedFile(file));
      const sandbox = await createSandbox({ port, host: options.host, seeds });
      const out = (line: string) => process.stdout.write(`${line}\n`);
      out(`FeatBit sandbox listening on ${sandbox.url}`);
      for (const env of sandbox.envs) {
        const flags = sandbox.control.store.listFlags(env.id).length;
        const segments = sandbox.control.store.listSegments(env.id).length;
        out(`environment ${env.id} (${env.name}): ${flags} flags, ${segments} segments, SDK secret ${env.sdkSecret}`);
      }
      out(`access token (${sandbox.tokens.demo.name}, sandbox only): ${sandbox.tokens.demo.token}`);
      out(`control surface: ${sandbox.url}/sandbox/info`);
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await sandbox.close();
    });
}
