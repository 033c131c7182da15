import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { Redis } from 'ioredis';
import { ConfigError } from '../../errors/index.js';
import {
  DEFAULT_REDIS_PREFIX,
  formatLedgerVerification,
  jsonlRecordSource,
  redisRecordSource,
  verifyLedger,
  type LedgerVerification,
} from '../../ledger/index.js';
import { ExitCode } from '../exit-code.js';
import { clientFrom, runApiCommand } from '../api-client/index.js';

interface VerifyOptions {
  readonly dataDir: string;
  readonly redisUrl?: string;
  readonly prefix: string;
  readonly json?: boolean;
  readonly url?: string;
  readonly token?: string;
}

/** The `audit` group, shared with other audit commands: created on first use, found afterwards. */
export function auditCommandGroup(program: Command): Command {
  return (
    program.commands.find((command) => command.name() === 'audit') ??
    program.command('audit').description('Inspect and check the tamper-evident ledger')
  );
}

/** Adds `featgate audit verify`: of the store itself, or through a running service with `--url`. */
export function registerAuditCommands(program: Command): void {
  auditCommandGroup(program)
    .command('verify')
    .description('Recompute every ledger hash and link; exit 1 naming the first edited, deleted or reordered seq')
    .option('--data-dir <dir>', 'data dir of the embedded ledger (env FEATGATE_DATA_DIR)', process.env.FEATGATE_DATA_DIR ?? '.featgate')
    .option('--redis-url <url>', 'verify the Redis ledger instead (env REDIS_URL)', process.env.REDIS_URL || undefined)
    .option('--prefix <prefix>', 'Redis key prefix (env FEATGATE_REDIS_PREFIX)', process.env.FEATGATE_REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX)
    .option('--json', 'print the result as a JSON object')
    .addOption(new Option('--url <url>', 'ask a running featgate service to verify its ledger (GET /v1/audit/verify) instead').env('FEATGATE_URL'))
    .addOption(new Option('--token <token>', 'API token or OIDC access token, with --url').env('FEATGATE_TOKEN'))
    .action(async (options: VerifyOptions) => {
      if (options.url) {
        await verifyThroughApi(options);
        return;
      }
      const result = options.redisUrl ? await verifyRedis(options.redisUrl, options.prefix) : await verifyEmbedded(options.dataDir);
      const store = options.redisUrl ? `the Redis ledger at ${new URL(options.redisUrl).host} (prefix ${options.prefix})` : `the embedded ledger in ${resolve(options.dataDir)}`;
      process.stderr.write(`featgate: verified ${store}\n`);
      if (result.ok && result.entries === 0) {
        process.stderr.write('featgate: it holds no entries; if the service keeps its ledger elsewhere, pass --url <service> (or FEATGATE_URL), --redis-url or --data-dir\n');
      }
      process.stdout.write(`${options.json ? JSON.stringify(result) : formatLedgerVerification(result)}\n`);
      process.exitCode = result.ok ? ExitCode.Ok : ExitCode.CheckFailed;
    });
}

/** Verification by the service (it needs `audit:verify`): exit 0 intact, 1 broken or refused, 2 unreachable. */
async function verifyThroughApi(options: VerifyOptions): Promise<void> {
  let verified: LedgerVerification | undefined;
  process.stderr.write(`featgate: asking the service at ${options.url} to verify its ledger\n`);
  await runApiCommand(options, async () => (verified = await clientFrom(options).get<LedgerVerification>('/v1/audit/verify')), formatLedgerVerification);
  if (verified && !verified.ok) process.exitCode = ExitCode.CheckFailed;
}

async function verifyEmbedded(dataDir: string): Promise<LedgerVerification> {
  const dir = resolve(dataDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError(`data dir ${dir} does not exist`);
  return verifyLedger(jsonlRecordSource(dir));
}

async function verifyRedis(url: string, prefix: string): Promise<LedgerVerification> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, retryStrategy: () => null, connectTimeout: 5000 });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(`cannot reach Redis at ${withoutCredentials(url)}: ${(error as Error).message}`);
  }
  try {
    return await verifyLedger(redisRecordSource(redis, prefix));
  } finally {
    await redis.quit().catch(() => redis.disconnect());
  }
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
