import { Option, type Command } from 'commander';
import type { JWK } from 'jose';
import { Redis } from 'ioredis';
import { loadServiceConfig, type ServiceConfig } from '../../config/index.js';
import { ConfigError } from '../../errors/index.js';
import { dataDirSecretStore, redisSecretStore, type GeneratedSecretStore } from '../../generated-secret/index.js';
import { loadOrCreateSigningKey, SIGNING_KEY_FILE } from '../../manifest/index.js';

interface KeysOptions {
  readonly dataDir?: string;
  readonly config?: string;
  readonly url?: string;
}

/**
 * `featgate keys`: prints the public JWK that providers verify approval manifests with. With `--url` (or
 * `FEATGATE_URL`) it asks the running service for the key it signs with; otherwise it reads the key the service's
 * store keeps (`FEATGATE_SIGNING_KEY`, Redis when `REDIS_URL` is set, else the data folder), naming that store on
 * stderr. It refuses to invent a key when the configured Redis cannot be reached, and says so when it had to
 * generate one, so nobody hands applications a key the service never signs with. Never prints private key material.
 */
export function registerKeysCommands(program: Command): void {
  program
    .command('keys')
    .description('print the public JWK of the manifest signing key (of the running service with --url / FEATGATE_URL)')
    .option('--data-dir <dir>', 'data folder holding the generated key (default: FEATGATE_DATA_DIR or .featgate)')
    .option('--config <file>', 'service config file (default: FEATGATE_CONFIG)')
    .addOption(new Option('--url <url>', 'read the key from a running featgate service instead').env('FEATGATE_URL'))
    .action(async (options: KeysOptions) => {
      const { jwk, source } = options.url
        ? await keyOfService(options.url)
        : await keyOfStore(
            loadServiceConfig({
              ...(options.config === undefined ? {} : { file: options.config }),
              overrides: { dataDir: options.dataDir },
            }),
          );
      process.stderr.write(`featgate: ${source}\n`);
      process.stdout.write(`${JSON.stringify(jwk, null, 2)}\n`);
    });
}

async function keyOfService(url: string): Promise<{ jwk: JWK; source: string }> {
  const address = `${url.replace(/\/+$/, '')}/.well-known/jwks.json`;
  let answer: Response;
  try {
    answer = await fetch(address, { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    throw new ConfigError(`cannot reach featgate at ${url}: ${(error as Error).message}`);
  }
  const body = (await answer.json().catch(() => undefined)) as { keys?: JWK[] } | undefined;
  const jwk = body?.keys?.[0];
  if (!answer.ok || !jwk)
    throw new ConfigError(`featgate at ${url} answered ${answer.status} without a signing key at ${address}`);
  return { jwk, source: `public key the service at ${url} signs manifests with` };
}

async function keyOfStore(config: ServiceConfig): Promise<{ jwk: JWK; source: string }> {
  if (config.signingKey) {
    const key = await loadOrCreateSigningKey({ configuredKey: config.signingKey, dataDir: config.dataDir });
    return { jwk: key.publicJwk, source: 'public key of FEATGATE_SIGNING_KEY' };
  }
  const redis = config.redisUrl ? await connectOrRefuse(config.redisUrl) : undefined;
  try {
    const store = redis
      ? redisSecretStore({ redis, prefix: config.redisPrefix, seedDir: config.dataDir })
      : dataDirSecretStore(config.dataDir);
    let generated = false;
    const noting: GeneratedSecretStore = {
      readOrCreate: (name, create) =>
        store.readOrCreate(name, () => {
          generated = true;
          return create();
        }),
      locationOf: (name) => store.locationOf(name),
    };
    const key = await loadOrCreateSigningKey({ dataDir: config.dataDir, store: noting });
    const where = noting.locationOf(SIGNING_KEY_FILE);
    const source = generated
      ? `generated a NEW signing key at ${where}: none was kept there. A service using another store (REDIS_URL, another data folder) signs with its own key; run with --url <service> or the service's REDIS_URL to print that one`
      : `public key of the signing key kept at ${where}`;
    return { jwk: key.publicJwk, source };
  } finally {
    await redis?.quit().catch(() => redis.disconnect());
  }
}

/** Connects to the configured Redis at once, or refuses: a key generated elsewhere would never be the service's. */
async function connectOrRefuse(url: string): Promise<Redis> {
  const redis = new Redis(url, {
    lazyConnect: true,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    connectTimeout: 5000,
  });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return redis;
  } catch (error) {
    redis.disconnect();
    throw new ConfigError(
      `cannot reach Redis at ${new URL(url).host}: ${(error as Error).message}; no key is printed, since one generated now would not be the service's`,
    );
  }
}
