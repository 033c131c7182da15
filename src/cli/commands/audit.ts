import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { Redis } from 'ioredis';
import type { JWK } from 'jose';
import { ConfigError, IntegrityError } from '../../errors/index.js';
import { fileSnapshotStore, redisSnapshotStore, type SnapshotStore } from '../../projections/index.js';
import {
  DEFAULT_REDIS_PREFIX,
  fileCheckpointStore,
  formatLedgerVerification,
  jsonlRecordSource,
  parseLedgerHead,
  redisCheckpointStore,
  redisRecordSource,
  verifyLedgerBase,
  verifyLedgerWitnessed,
  type CheckpointStore,
  type LedgerBase,
  type LedgerHead,
  type LedgerRecordSource,
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
  readonly expectHead?: string;
  readonly publicKey?: string;
  readonly fromCheckpoint?: boolean;
}

/** What the store's chain is checked against besides itself. */
interface Witness {
  readonly expectHead?: LedgerHead;
  readonly publicKeys?: readonly JWK[];
  readonly base?: LedgerBase;
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
    .option(
      '--data-dir <dir>',
      'data dir of the embedded ledger (env FEATGATE_DATA_DIR)',
      process.env.FEATGATE_DATA_DIR ?? '.featgate',
    )
    .option('--redis-url <url>', 'verify the Redis ledger instead (env REDIS_URL)', process.env.REDIS_URL || undefined)
    .option(
      '--prefix <prefix>',
      'Redis key prefix (env FEATGATE_REDIS_PREFIX)',
      process.env.FEATGATE_REDIS_PREFIX ?? DEFAULT_REDIS_PREFIX,
    )
    .option('--json', 'print the result as a JSON object')
    .addOption(
      new Option(
        '--url <url>',
        'ask a running featgate service to verify its ledger (GET /v1/audit/verify) instead',
      ).env('FEATGATE_URL'),
    )
    .addOption(new Option('--token <token>', 'API token or OIDC access token, with --url').env('FEATGATE_TOKEN'))
    .option(
      '--expect-head <seq:hash>',
      "a head witnessed elsewhere (a manifest's ledgerHead): the ledger must contain it",
    )
    .addOption(
      new Option(
        '--public-key <jwk-or-file>',
        'public JWK (or a file holding it) of the ledger signing key: check the signed checkpoints',
      ).env('FEATGATE_LEDGER_PUBLIC_KEY'),
    )
    .option(
      '--from-checkpoint',
      "verify incrementally from the newest signed base (the one the service's projection snapshot is sealed with): its signature, its entry and everything after it; entries before it are not re-read (the default verifies from genesis)",
    )
    .action(async (options: VerifyOptions) => {
      if (options.url) {
        if (options.fromCheckpoint)
          throw new ConfigError('--from-checkpoint reads the store itself; use it without --url');
        await verifyThroughApi(options);
        return;
      }
      const witness = await witnessFrom(options);
      const result = options.redisUrl
        ? await verifyRedis(options.redisUrl, options.prefix, witness, options.fromCheckpoint === true)
        : await verifyEmbedded(options.dataDir, witness, options.fromCheckpoint === true);
      const store = options.redisUrl
        ? `the Redis ledger at ${new URL(options.redisUrl).host} (prefix ${options.prefix})`
        : `the embedded ledger in ${resolve(options.dataDir)}`;
      const from =
        'base' in result
          ? ` from the signed base at seq ${result.base.seq} (entries before it not re-read; omit --from-checkpoint to verify from genesis)`
          : ' from genesis';
      process.stderr.write(`featgate: verified ${store}${from}\n`);
      if (result.ok && result.entries === 0) {
        process.stderr.write(
          'featgate: it holds no entries; if the service keeps its ledger elsewhere, pass --url <service> (or FEATGATE_URL), --redis-url or --data-dir\n',
        );
      }
      process.stdout.write(`${options.json ? JSON.stringify(result) : formatLedgerVerification(result)}\n`);
      process.exitCode = result.ok ? ExitCode.Ok : ExitCode.CheckFailed;
    });
}

/** Verification by the service (it needs `audit:verify`): exit 0 intact, 1 broken or refused, 2 unreachable. */
async function verifyThroughApi(options: VerifyOptions): Promise<void> {
  let verified: LedgerVerification | undefined;
  process.stderr.write(`featgate: asking the service at ${options.url} to verify its ledger\n`);
  await runApiCommand(
    options,
    async () => (verified = await clientFrom(options).get<LedgerVerification>('/v1/audit/verify')),
    formatLedgerVerification,
  );
  if (verified && !verified.ok) process.exitCode = ExitCode.CheckFailed;
}

/** Reads `--expect-head` and `--public-key`, refusing malformed ones with a precise message. */
async function witnessFrom(options: VerifyOptions): Promise<Witness> {
  let expectHead: LedgerHead | undefined;
  if (options.expectHead !== undefined) {
    expectHead = parseLedgerHead(options.expectHead);
    if (!expectHead)
      throw new ConfigError(
        "--expect-head: expected <seq>:<64 lowercase hex digits>, as a manifest's ledgerHead spells it",
      );
  }
  const witnessed = expectHead === undefined ? {} : { expectHead };
  if (options.publicKey === undefined) return witnessed;
  const text = options.publicKey.trim().startsWith('{')
    ? options.publicKey
    : await readFile(options.publicKey, 'utf8').catch(() => undefined);
  let jwk: JWK | undefined;
  try {
    jwk = text === undefined ? undefined : (JSON.parse(text) as JWK);
  } catch {
    jwk = undefined;
  }
  if (!jwk || jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string' || 'd' in jwk) {
    throw new ConfigError(
      '--public-key: expected a public Ed25519 JWK (kty OKP, crv Ed25519, x; no private part), or a file holding one',
    );
  }
  return { ...witnessed, publicKeys: [jwk] };
}

/** A verification and, when it was incremental, the signed base it started from. */
type VerifyResult = LedgerVerification | (LedgerVerification & { readonly base: LedgerBase });

/**
 * The newest signed base (a projection snapshot's seal), checked against the public key: without a key, or with a
 * seal the key did not sign, there is nothing to start from and the command refuses rather than verifying less.
 */
async function signedBase(snapshots: SnapshotStore, witness: Witness): Promise<LedgerBase> {
  if (!witness.publicKeys)
    throw new ConfigError(
      '--from-checkpoint needs --public-key (or FEATGATE_LEDGER_PUBLIC_KEY): the base it starts from must be signed by the ledger key',
    );
  const stored = await snapshots.read();
  if (!stored)
    throw new ConfigError(`--from-checkpoint: no signed base in ${snapshots.location} yet; verify from genesis`);
  const base = await verifyLedgerBase(stored.seal, witness.publicKeys);
  if (!base)
    throw new IntegrityError(
      `--from-checkpoint: the base in ${snapshots.location} is not signed by the ledger key; verify from genesis`,
    );
  return base;
}

async function verifyFrom(
  source: LedgerRecordSource,
  checkpoints: CheckpointStore,
  snapshots: SnapshotStore,
  witness: Witness,
  incremental: boolean,
): Promise<VerifyResult> {
  if (!incremental) return verifyLedgerWitnessed(source, { ...witness, checkpoints });
  const base = await signedBase(snapshots, witness);
  return { ...(await verifyLedgerWitnessed(source, { ...witness, checkpoints, base })), base };
}

async function verifyEmbedded(dataDir: string, witness: Witness, incremental: boolean): Promise<VerifyResult> {
  const dir = resolve(dataDir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) throw new ConfigError(`data dir ${dir} does not exist`);
  return verifyFrom(jsonlRecordSource(dir), fileCheckpointStore(dir), fileSnapshotStore(dir), witness, incremental);
}

async function verifyRedis(url: string, prefix: string, witness: Witness, incremental: boolean): Promise<VerifyResult> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(`cannot reach Redis at ${withoutCredentials(url)}: ${(error as Error).message}`);
  }
  try {
    return await verifyFrom(
      redisRecordSource(redis, prefix),
      redisCheckpointStore(redis, prefix),
      redisSnapshotStore(redis, prefix),
      witness,
      incremental,
    );
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
