import type { Command } from 'commander';
import type { JWK } from 'jose';
import { ConfigError } from '../../errors/index.js';
import { loadServiceConfig } from '../../config/index.js';
import { readDemoState, type DemoState } from '../../server/demo-state.js';

interface DemoOptions {
  readonly dataDir?: string;
}

/** A demo state whose service and sandbox are running: every part the commands reach is there. */
interface RunningDemo {
  readonly tokens: DemoState['tokens'];
  readonly featgateUrl: string;
  readonly publicJwk: NonNullable<DemoState['publicJwk']>;
  readonly sandbox: NonNullable<DemoState['sandbox']>;
}

/** The running demo's state from the data folder, or a ConfigError saying to start it first. */
function runningDemo(options: DemoOptions): RunningDemo {
  const config = loadServiceConfig({ overrides: { dataDir: options.dataDir } });
  const state = readDemoState(config.dataDir);
  if (!state?.sandbox || !state.featgateUrl || !state.publicJwk) {
    throw new ConfigError(
      `no running demo in ${config.dataDir}: start one with \`npm start\` (featgate serve with no configuration) first`,
    );
  }
  return { tokens: state.tokens, featgateUrl: state.featgateUrl, publicJwk: state.publicJwk, sandbox: state.sandbox };
}

/**
 * Adds `featgate demo edit` (the FeatBit flag admin's unauthorized edit, played against the running demo) and
 * `featgate demo app` (the example application evaluating the demo flags through the gate). Both read where the demo
 * runs from `demo.json` in the data folder, written by `featgate serve` in demo mode.
 */
export function registerDemoCommands(program: Command): void {
  const group = program
    .command('demo')
    .description('Play the demo: a flag admin edits FeatBit; an app evaluates through the gate');
  group
    .command('edit')
    .description("Make the FeatBit flag admin's unauthorized edit of the support prompt, and watch featgate restore it")
    .option('--flag <key>', 'flag to widen', 'support-assistant-prompt')
    .option('--data-dir <dir>', 'data folder of the running demo (default: FEATGATE_DATA_DIR or .featgate)')
    .action(async (options: DemoOptions & { flag: string }) => {
      const demo = runningDemo(options);
      const { playDemoEdit } = await import('../../demo/index.js');
      const outcome = await playDemoEdit(
        { sandboxUrl: demo.sandbox.url, envId: demo.sandbox.envId, adminToken: demo.sandbox.adminToken },
        { flagKey: options.flag },
      );
      const lines = [outcome.edit];
      if (outcome.restoredAfterMs === undefined)
        lines.push('featgate has not restored it yet: see `featgate jobs list` and the service log');
      else
        lines.push(
          `featgate restored the approved configuration in FeatBit after ${outcome.restoredAfterMs} ms and opened a proposal:`,
        );
      lines.push(
        `  FEATGATE_URL=${demo.featgateUrl} FEATGATE_TOKEN=${demo.tokens['admin'] ?? '<admin token>'} featgate change list --status proposed`,
      );
      process.stdout.write(`${lines.join('\n')}\n`);
    });
  group
    .command('env')
    .description('Print shell exports of the running demo: FEATGATE_URL and the FEATGATE_TOKEN of one role')
    .option('--role <role>', 'whose demo token to export', 'admin')
    .option('--data-dir <dir>', 'data folder of the running demo (default: FEATGATE_DATA_DIR or .featgate)')
    .action((options: DemoOptions & { role: string }) => {
      const demo = runningDemo(options);
      const token = demo.tokens[options.role];
      if (!token)
        throw new ConfigError(
          `the demo has no role ${options.role}; its roles: ${Object.keys(demo.tokens).join(', ')}`,
        );
      process.stdout.write(`export FEATGATE_URL=${demo.featgateUrl} FEATGATE_TOKEN=${token}\n`);
    });
  group
    .command('app')
    .description('Run the example app: the real FeatBit Node SDK behind the gate, printing what users are served')
    .option('--data-dir <dir>', 'data folder of the running demo (default: FEATGATE_DATA_DIR or .featgate)')
    .option('--rounds <n>', 'stop after n evaluation rounds (default: until Ctrl-C)')
    .action(async (options: DemoOptions & { rounds?: string }) => {
      const demo = runningDemo(options);
      const { runExampleApp } = await import('../../demo/index.js');
      const controller = new AbortController();
      process.once('SIGINT', () => controller.abort());
      process.once('SIGTERM', () => controller.abort());
      await runExampleApp({
        featgateUrl: demo.featgateUrl,
        envId: demo.sandbox.envId,
        sdkKey: demo.sandbox.sdkKey,
        featbitUrl: demo.sandbox.url,
        publicJwk: demo.publicJwk as JWK,
        flags: ['support-assistant-prompt', 'support-model-route'],
        users: ['user-1', 'user-2', 'user-3', 'user-4'],
        intervalMs: 500,
        ...(options.rounds ? { rounds: Number(options.rounds) } : {}),
        signal: controller.signal,
        out: (line) => process.stdout.write(`${line}\n`),
      });
    });
}
