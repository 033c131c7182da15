import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ActorKind,
  buildEntry,
  LedgerEventType,
  redisLedgerKeys,
  serializeEntry,
  type LedgerAppend,
} from '../../../src/ledger/index.js';
import { encodeRedisHead } from '../../../src/ledger/redis-head-codec.js';
import { flagSubject } from '../../../src/ledger-events/index.js';
import { SNAPSHOT_FILE, LedgerProjections } from '../../../src/projections/index.js';
import {
  openLedgerWithProjections,
  type OpenLedgerProjectionsOptions,
} from '../../../src/server/open-ledger-projections.js';
import { scaleFlag, statePayload } from '../../bench/scale-support.js';
import { testRedisUrl, uniquePrefix } from '../../support/redis.js';
import { ledgerTestKey, recordingLogger } from './ledger-test-key.js';

const key = await ledgerTestKey();
let redis: Redis;
beforeAll(() => {
  redis = new Redis(testRedisUrl());
});
afterAll(async () => {
  await redis.quit();
});

const owner = { id: 'owner', kind: ActorKind.User, roles: ['releaseOwner'] };

/** Approvals of a few flags over and over, plus entries the projections only pass over. */
function history(from: number, count: number, env = 'env-a'): LedgerAppend[] {
  return Array.from({ length: count }, (_, offset): LedgerAppend => {
    const index = from + offset;
    if (index % 3 === 2)
      return {
        type: LedgerEventType.ManifestSigned,
        actor: owner,
        subject: `env:${env}`,
        data: { envId: env, version: index },
      };
    const flag = scaleFlag(index % 5, ((index % 90) + 5) / 100);
    return {
      type: LedgerEventType.ApprovedStateSet,
      actor: owner,
      subject: flagSubject(env, flag.key),
      data: { state: statePayload(env, flag) },
    };
  });
}

interface Deployment {
  readonly name: string;
  options(): Promise<Omit<OpenLedgerProjectionsOptions, 'key' | 'logger'>>;
}

const deployments: Deployment[] = [
  { name: 'embedded', options: async () => ({ dataDir: await mkdtemp(join(tmpdir(), 'featgate-snapshot-')) }) },
  {
    name: 'redis',
    options: async () => ({
      dataDir: await mkdtemp(join(tmpdir(), 'featgate-snapshot-')),
      redis,
      prefix: uniquePrefix('snapshot'),
    }),
  },
];

async function write(
  where: Omit<OpenLedgerProjectionsOptions, 'key' | 'logger'>,
  appends: readonly LedgerAppend[],
  signingKey = key,
) {
  const opened = await openLedgerWithProjections({ ...where, key: signingKey, snapshotEvery: 1_000_000 });
  for (const append of appends) await opened.ledger.append(append);
  await opened.close();
  await opened.ledger.close();
}

/** The projections' state folded from genesis, by a projection that never saw a snapshot. */
async function genesisState(opened: Awaited<ReturnType<typeof openLedgerWithProjections>>) {
  const fresh = new LedgerProjections(opened.ledger);
  await fresh.catchUp();
  return fresh.exportState();
}

describe.each(deployments)('projection snapshots ($name store)', (deployment) => {
  it('a restart starts from the newest snapshot, folds only the entries after it, and ends in the state a fold from genesis gives', async () => {
    const where = await deployment.options();
    await write(where, history(0, 40));
    await write(where, history(40, 7));

    const opened = await openLedgerWithProjections({ ...where, key });
    try {
      expect(opened.restoredFrom).toBe(47);
      expect(opened.ledger.startedFrom?.seq).toBe(47);
      for (const append of history(47, 5)) await opened.ledger.append(append);
      await opened.projections.catchUp();
      expect(opened.projections.exportState()).toEqual(await genesisState(opened));
      expect(opened.projections.approvedInEnv('env-a')).toEqual([...(await genesisState(opened)).approved.values()]);
    } finally {
      await opened.close();
      await opened.ledger.close();
    }
  });

  it('a snapshot whose body was edited (a flag approved behind the seal) is ignored with a warning, and the start folds from genesis', async () => {
    const where = await deployment.options();
    await write(where, history(0, 20));
    const stored = where.redis
      ? await where.redis.hget(redisLedgerKeys(where.prefix).snapshot, 'body')
      : await readFile(join(where.dataDir, SNAPSHOT_FILE), 'utf8');
    expect(stored).toContain('"scale-flag-1"');
    const edited = stored!.replaceAll('scale-flag-1', 'scale-flag-9');
    if (where.redis) await where.redis.hset(redisLedgerKeys(where.prefix).snapshot, 'body', edited);
    else await writeFile(join(where.dataDir, SNAPSHOT_FILE), edited);

    const { logger, warnings } = recordingLogger();
    const opened = await openLedgerWithProjections({ ...where, key, logger });
    try {
      expect(opened.restoredFrom).toBe(0);
      expect(warnings.some((warning) => warning.includes('projection snapshot ignored'))).toBe(true);
      expect(opened.projections.approved('env-a', 'scale-flag-9')).toBeUndefined();
      expect(opened.projections.exportState()).toEqual(await genesisState(opened));
    } finally {
      await opened.close();
      await opened.ledger.close();
    }
  });

  it('a snapshot sealed by another key is ignored, and the start folds from genesis', async () => {
    const where = await deployment.options();
    await write(where, history(0, 12));
    const foreign = await ledgerTestKey();
    // a foreign deployment's snapshot over the same kind of history, copied into this one
    const foreignWhere = await deployment.options();
    await write(foreignWhere, history(0, 12), foreign);
    await copySnapshot(foreignWhere, where);

    const { logger, warnings } = recordingLogger();
    const opened = await openLedgerWithProjections({ ...where, key, logger });
    try {
      expect(opened.restoredFrom).toBe(0);
      expect(warnings.join('\n')).toContain('projection snapshot ignored');
    } finally {
      await opened.close();
      await opened.ledger.close();
    }
  });

  it('a snapshot of another chain sealed by the same key is ignored with a warning: the ledger does not hold its base', async () => {
    const where = await deployment.options();
    await write(where, history(0, 15, 'env-a'));
    const elsewhere = await deployment.options();
    await write(elsewhere, history(0, 15, 'env-b'));
    await copySnapshot(elsewhere, where);

    const { logger, warnings } = recordingLogger();
    const opened = await openLedgerWithProjections({ ...where, key, logger });
    try {
      expect(opened.restoredFrom).toBe(0);
      expect(warnings.join('\n')).toContain('does not continue the signed snapshot base');
      expect(opened.projections.envIds()).toEqual(['env-a']);
      expect(opened.projections.exportState()).toEqual(await genesisState(opened));
    } finally {
      await opened.close();
      await opened.ledger.close();
    }
  });
});

describe('projection snapshots and entries appended without the ledger key (redis)', () => {
  it('an entry pushed straight into Redis is never sealed into a snapshot: the snapshot is refused and the forgery reported', async () => {
    const where = {
      dataDir: await mkdtemp(join(tmpdir(), 'featgate-snapshot-')),
      redis,
      prefix: uniquePrefix('snapshot-forged'),
    };
    await write(where, history(0, 10));
    const { logger, warnings } = recordingLogger();
    const opened = await openLedgerWithProjections({ ...where, key, logger });
    try {
      const keys = redisLedgerKeys(where.prefix);
      const head = (await opened.ledger.head())!;
      const forged = buildEntry(
        {
          type: LedgerEventType.ApprovedStateSet,
          actor: owner,
          subject: flagSubject('env-a', 'scale-flag-0'),
          data: { state: statePayload('env-a', scaleFlag(0, 1)) },
        },
        head,
      );
      await redis.rpush(keys.entries, serializeEntry(forged));
      await redis.set(keys.head, encodeRedisHead({ seq: forged.seq, hash: forged.hash }));
      const outcome = await opened.snapshots.write();
      expect(outcome.written).toBe(false);
      expect(outcome.written === false && outcome.reason).toContain('no signed checkpoint covers seq 11');
      expect(warnings.join('\n')).toContain('projection snapshot not written');
    } finally {
      await opened.ledger.close();
    }
  }, 20_000);
});

async function copySnapshot(
  from: Omit<OpenLedgerProjectionsOptions, 'key' | 'logger'>,
  to: Omit<OpenLedgerProjectionsOptions, 'key' | 'logger'>,
): Promise<void> {
  if (from.redis && to.redis) {
    const stored = await from.redis.hgetall(redisLedgerKeys(from.prefix).snapshot);
    await to.redis.hset(redisLedgerKeys(to.prefix).snapshot, stored);
    return;
  }
  await writeFile(join(to.dataDir, SNAPSHOT_FILE), await readFile(join(from.dataDir, SNAPSHOT_FILE)));
}
