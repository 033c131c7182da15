import type { Redis } from 'ioredis';
import { z } from 'zod';
import { openCheckpointedLedger, type CheckpointedLedgerStore, type LedgerSigningKey } from '../ledger/index.js';
import { silentLogger, type Logger } from '../logging/index.js';
import {
  fileSnapshotStore,
  openSnapshot,
  ProjectionSnapshotter,
  redisSnapshotStore,
  type OpenedSnapshot,
  type SnapshotStore,
  LedgerProjections,
  type LedgerProjectionsState,
} from '../projections/index.js';

/** Entries folded between two projection snapshots; a start folds at most about this many after the newest one. */
export const SNAPSHOT_EVERY_ENTRIES = 10_000;

/** Where the ledger lives, the key of its checkpoints and snapshots, and how often snapshots are taken. */
export interface OpenLedgerProjectionsOptions {
  readonly redis?: Redis;
  readonly dataDir: string;
  readonly prefix?: string;
  readonly key: LedgerSigningKey;
  readonly logger?: Logger;
  /** Entries folded between snapshots (default SNAPSHOT_EVERY_ENTRIES). */
  readonly snapshotEvery?: number;
}

/** The ledger opened and verified, the projections caught up, and the snapshots that keep the next start short. */
export interface LedgerWithProjections {
  readonly ledger: CheckpointedLedgerStore;
  readonly projections: LedgerProjections;
  readonly snapshots: ProjectionSnapshotter;
  /** The seq the projections were restored from (0 when folded from genesis). */
  readonly restoredFrom: number;
  /** Writes a last snapshot and stops taking them (the ledger is closed by its owner). */
  close(): Promise<void>;
}

const mapOf = <T extends z.ZodType>(value: T) => z.map(z.string(), value);
const skippedSchema = z.array(
  z.strictObject({ seq: z.number().int().positive(), type: z.string(), reason: z.string() }),
);
const keyed = z.looseObject({});

/** The shape a snapshot body must decode to before LedgerProjections takes it (its content is covered by the seal). */
const ledgerProjectionsStateSchema = z.strictObject({
  lastSeq: z.number().int().positive(),
  // a snapshot from before records were kept as outlines (no `recordSeq`) is ignored: the start folds from genesis
  changes: mapOf(
    z.looseObject({
      key: z.string(),
      status: z.string(),
      lastSeq: z.number().int(),
      recordSeq: z.number().int().min(1),
    }),
  ),
  changesSkipped: skippedSchema,
  approved: mapOf(z.looseObject({ envId: z.string(), flagKey: z.string() })),
  approvedSkipped: skippedSchema,
  proposals: mapOf(keyed),
});

/** The snapshot store beside the ledger: a Redis hash with Redis, else a file in the data dir. */
export function snapshotStoreFor(
  options: Pick<OpenLedgerProjectionsOptions, 'redis' | 'dataDir' | 'prefix'>,
): SnapshotStore {
  return options.redis ? redisSnapshotStore(options.redis, options.prefix) : fileSnapshotStore(options.dataDir);
}

async function loadSnapshot(
  store: SnapshotStore,
  key: LedgerSigningKey,
  logger: Logger,
): Promise<(OpenedSnapshot & { readonly state: LedgerProjectionsState }) | undefined> {
  const stored = await store.read().catch((error: unknown) => {
    logger.warn(
      { err: error, location: store.location },
      'projection snapshot unreadable: folding the ledger from genesis',
    );
    return undefined;
  });
  if (!stored) return undefined;
  const opened = await openSnapshot(stored, [key.publicJwk]);
  if (!opened.ok) {
    logger.warn(
      { location: store.location, reason: opened.reason },
      'projection snapshot ignored: folding the ledger from genesis',
    );
    return undefined;
  }
  const state = ledgerProjectionsStateSchema.safeParse(opened.state);
  if (!state.success || state.data.lastSeq !== opened.base.seq) {
    logger.warn(
      { location: store.location },
      'projection snapshot ignored (its state does not have the projections shape): folding the ledger from genesis',
    );
    return undefined;
  }
  return { base: opened.base, state: state.data as unknown as LedgerProjectionsState };
}

/**
 * Opens the ledger for `serve` in time independent of its length: the newest projection snapshot whose seal the
 * ledger key signed is loaded, the ledger is verified from its base (its entry, the chain after it, the checkpoints
 * since), and the projections start from its state and fold only the tail. A snapshot that fails any check (bad seal
 * or digest, another chain, a rewritten entry at its base) is ignored with a warning, and the ledger is verified and
 * folded from genesis. A snapshot is written every `snapshotEvery` folded entries, and on close.
 */
export async function openLedgerWithProjections(options: OpenLedgerProjectionsOptions): Promise<LedgerWithProjections> {
  const logger = options.logger ?? silentLogger;
  const store = snapshotStoreFor(options);
  const snapshot = await loadSnapshot(store, options.key, logger);
  const ledger = await openCheckpointedLedger({ ...options, ...(snapshot ? { base: snapshot.base } : {}) });
  const projections = new LedgerProjections(ledger);
  const restoredFrom = snapshot && ledger.startedFrom === snapshot.base ? snapshot.base.seq : 0;
  if (snapshot && restoredFrom > 0) projections.restore(snapshot.state);
  await projections.catchUp();
  const snapshots = new ProjectionSnapshotter({ ledger, source: projections, store, key: options.key, logger });
  const every = options.snapshotEvery ?? SNAPSHOT_EVERY_ENTRIES;
  let folded = projections.lastSeq - restoredFrom;
  const takeSnapshot = () => {
    folded = 0;
    void snapshots
      .write()
      .catch((error: unknown) => logger.error({ err: error }, 'projection snapshot could not be written'));
  };
  const unsubscribe = projections.onEntries((entries) => {
    folded += entries.length;
    if (folded >= every) takeSnapshot();
  });
  if (folded >= every) takeSnapshot();
  return {
    ledger,
    projections,
    snapshots,
    restoredFrom,
    async close() {
      unsubscribe();
      await snapshots
        .write()
        .catch((error: unknown) => logger.warn({ err: error }, 'last projection snapshot could not be written'));
    },
  };
}
