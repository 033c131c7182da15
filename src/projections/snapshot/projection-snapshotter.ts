import type { CheckpointedLedgerStore } from '../../ledger/checkpointed-ledger-store.js';
import type { LedgerSigningKey } from '../../ledger/ledger-checkpoint.js';
import { formatLedgerVerification } from '../../ledger/format-verification.js';
import { silentLogger, type Logger } from '../../logging/index.js';
import { sealSnapshot } from './seal-snapshot.js';
import { encodeSnapshotState } from './snapshot-codec.js';
import type { SnapshotStore } from './snapshot-store.js';

/** What a snapshot is taken of: a projection the single writer folds, whose state can be exported synchronously. */
export interface SnapshotSource {
  /** Folds every entry appended before the call. */
  catchUp(): Promise<void>;
  /** The state folded so far, with the seq it reaches; synchronous, so it is the fold of exactly 1..lastSeq. */
  exportState(): { readonly lastSeq: number };
}

/** Options of a ProjectionSnapshotter. */
export interface ProjectionSnapshotterOptions {
  readonly ledger: CheckpointedLedgerStore;
  readonly source: SnapshotSource;
  readonly store: SnapshotStore;
  readonly key: LedgerSigningKey;
  readonly logger?: Logger;
}

/** What one `write` did. */
export type SnapshotOutcome =
  { readonly written: true; readonly seq: number } | { readonly written: false; readonly reason: string };

/**
 * Writes projection snapshots bound to the ledger: the state at seq s is sealed with the ledger key only after the
 * entries since the last verified base were verified against the signed checkpoints up to s, so an entry someone
 * slipped into the store without the key is reported, never sealed into a base the next start trusts.
 */
export class ProjectionSnapshotter {
  private writing: Promise<SnapshotOutcome> | undefined;
  private readonly logger: Logger;
  private lastWritten: number | undefined;

  constructor(private readonly options: ProjectionSnapshotterOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  /** Takes and stores one snapshot (one at a time; a call while one runs shares it). */
  write(): Promise<SnapshotOutcome> {
    this.writing ??= this.take().finally(() => {
      this.writing = undefined;
    });
    return this.writing;
  }

  private async take(): Promise<SnapshotOutcome> {
    const { ledger, source, store, key } = this.options;
    // read before the catch-up: every checkpoint of an entry after the state's seq lies at or after this position
    const checkpointsBefore = await ledger.checkpointsEnd();
    await source.catchUp();
    const state = source.exportState();
    const seq = state.lastSeq;
    if (seq === 0) return { written: false, reason: 'the ledger is empty' };
    if (seq === (this.lastWritten ?? ledger.startedFrom?.seq))
      return { written: false, reason: 'nothing new since the snapshot in use' };
    // encoded before any await: the projection keeps folding in place, the body is the state at `seq`
    const body = encodeSnapshotState(state);
    const [entry] = await ledger.readSeqs([seq]);
    if (!entry) return { written: false, reason: `seq ${seq} cannot be read back` };
    const base = { seq, hash: entry.hash, checkpoints: checkpointsBefore, at: new Date().toISOString() };
    const offset = await ledger.locate(seq);
    const sealing = sealSnapshot(body, offset === undefined ? base : { ...base, offset }, key);
    const verification = await ledger.verifyOnwards({ seq, hash: entry.hash }, checkpointsBefore);
    if (!verification.ok) {
      const reason = `the ledger fails verification: ${formatLedgerVerification(verification)}`;
      this.logger.error(
        { seq, problem: verification.problem },
        'projection snapshot not written: the ledger fails verification against its signed checkpoints',
      );
      return { written: false, reason };
    }
    await store.write(await sealing);
    this.lastWritten = seq;
    this.logger.info({ seq, location: store.location }, 'projection snapshot written');
    return { written: true, seq };
  }
}
