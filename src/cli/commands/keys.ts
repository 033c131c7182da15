import type { Command } from 'commander';
import { loadServiceConfig } from '../../config/index.js';
import { Redis } from 'ioredis';
import { redisSecretStore } from '../../generated-secret/index.js';
import { loadOrCreateSigningKey } from '../../manifest/index.js';

/**
 * `featgate keys`: prints the public JWK that providers verify approval manifests with. It uses the configured
 * signing key (`FEATGATE_SIGNING_KEY`) or the generated one the service uses (in Redis when `REDIS_URL` is set, else
 * in the data folder), creating that on first use so the public key can be handed out before the service first
 * starts. Never prints private key material.
 */
export function registerKeysCommands(program: Command): void {
  program
    .command('keys')
    .description('print the public JWK of the manifest signing key')
    .option('--data-dir <dir>', 'data folder holding the generated key (default: FEATGATE_DATA_DIR or .featgate)')
    .option('--config <file>', 'service config file (default: FEATGATE_CONFIG)')
    .action(async (options: { dataDir?: string; config?: string }) => {
      const config = loadServiceConfig({ file: options.config, overrides: { dataDir: options.dataDir } });
      const redis = config.redisUrl && !config.signingKey ? new Redis(config.redisUrl, { maxRetriesPerRequest: 3 }) : undefined;
      try {
        const store = redis ? redisSecretStore({ redis, prefix: config.redisPrefix, seedDir: config.dataDir }) : undefined;
        const key = await loadOrCreateSigningKey({ configuredKey: config.signingKey, dataDir: config.dataDir, ...(store ? { store } : {}) });
        process.stdout.write(`${JSON.stringify(key.publicJwk, null, 2)}\n`);
      } finally {
        await redis?.quit();
      }
    });
}
