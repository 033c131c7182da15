import type { ApprovedFlagState } from '../approved-state/model/index.js';
import { LedgerEventType, type LedgerEntry, type LedgerStore } from '../ledger/index.js';
import {
  applyApprovedStateEntriesInPlace,
  approvedStateKey,
  type MutableApprovedStates,
} from '../approved-state/projection/index.js';
import {
  applyChangeEntriesInPlace,
  ChangeRecordLoader,
  type ChangeRecordState,
  type LoadedChangeRecordState,
  type ChangeRecordsState,
  type MutableChangeRecords,
} from '../changes/projection/index.js';
import type { SkippedEntry } from '../ledger-events/index.js';
import { AuditIndex } from '../audit/projection/index.js';
import { proposalOpenedPayloadSchema, type ProposalState } from '../proposals/model/index.js';

const PAGE = 5000;

/** What a projection snapshot holds of LedgerProjections: the fold of entries 1..lastSeq. */
export interface LedgerProjectionsState {
  readonly lastSeq: number;
  readonly changes: ReadonlyMap<string, ChangeRecordState>;
  readonly changesSkipped: readonly SkippedEntry[];
  readonly approved: ReadonlyMap<string, ApprovedFlagState>;
  readonly approvedSkipped: readonly SkippedEntry[];
  readonly proposals: ReadonlyMap<string, ProposalState>;
}
const MAX_UNFOLDED_APPENDS = 10_000;

/** Options of LedgerProjections. */
export interface LedgerProjectionsOptions {
  /** Most bytes of full change records kept in memory (the LRU of records read back from the ledger). */
  readonly recordCacheBytes?: number;
}

/**
 * Keeps the change-record and approved-state projections of this process caught up with the shared ledger.
 * Every read that decides something calls `catchUp()` first (under the change's lock for writes), so several
 * processes on one Redis answer from the same history. Concurrent catch-ups in one process share one read.
 */
export class LedgerProjections {
  /** Owned by this projection and folded in place (a write costs its entries, not the number of change records). */
  private readonly changesState: MutableChangeRecords = { changes: new Map(), lastSeq: 0, skipped: [] };
  /** Owned by this projection and folded in place (a fold costs its entries, not the number of approved flags). */
  private readonly approvedState: MutableApprovedStates = { states: new Map(), lastSeq: 0, skipped: [] };
  /** The same approved states by environment, then flag key, in first-approval order. */
  private readonly approvedByEnv = new Map<string, Map<string, ApprovedFlagState>>();
  private readonly proposals = new Map<string, ProposalState>();
  /** Entries up to this seq came from a snapshot, so the audit index covers only the entries after it. */
  private restoredSeq = 0;
  private running: Promise<void> | undefined;
  private queued: Promise<void> | undefined;
  private readonly listeners = new Set<(envIds: ReadonlySet<string>) => void>();
  private readonly entryListeners = new Set<(entries: readonly LedgerEntry[]) => void>();
  /** Entries this process appended that could not be folded yet because an earlier seq is still unread. */
  private readonly appended = new Map<number, LedgerEntry>();
  private highestOffered = 0;
  /** Seqs by change, flag, actor and type of every entry folded in, for audit queries. */
  readonly audit = new AuditIndex();
  private readonly reportsAppends: boolean;
  /** Full records (with values) read back from the ledger on demand, in an LRU bounded by bytes. */
  private readonly records: ChangeRecordLoader;

  constructor(
    private readonly ledger: LedgerStore,
    options: LedgerProjectionsOptions = {},
  ) {
    this.records = new ChangeRecordLoader(
      ledger,
      options.recordCacheBytes === undefined ? {} : { maxBytes: options.recordCacheBytes },
    );
    const unsubscribe = ledger.onAppended?.((entries) => {
      for (const entry of entries) this.offerAppended(entry);
    });
    this.reportsAppends = unsubscribe !== undefined;
  }

  /**
   * Folds in every entry appended before this call. Callers arriving while a read is in flight share one
   * follow-up read (the in-flight one may have started before their append).
   */
  catchUp(): Promise<void> {
    if (!this.running) {
      this.running = this.read().finally(() => {
        this.running = undefined;
      });
      return this.running;
    }
    // The follow-up runs whether the in-flight read succeeded or failed: a failed read (Redis down) must never
    // leave a rejected promise here for every later caller (the Redis-restart wedge).
    this.queued ??= this.running
      .catch(() => undefined)
      .then(() => {
        this.queued = undefined;
        return this.catchUp();
      });
    return this.queued;
  }

  /** Resolves once every entry up to `seq` is folded in: at once when it already is, else after a catch-up. */
  async catchUpTo(seq: number): Promise<void> {
    if (this.lastSeq < seq) await this.catchUp();
  }

  /**
   * Resolves once every entry this process appended is folded in: without reading when the store reports its
   * appends and they continue the projection, else after a catch-up.
   */
  async catchUpOwnWrites(): Promise<void> {
    if (this.reportsAppends) await this.catchUpTo(this.highestOffered);
    else await this.catchUp();
  }

  /**
   * Folds in an entry this process just appended when it continues the projection directly (else it waits for
   * the read that fills the gap), so a writer holding a change's lock sees its own writes without reading them
   * back from the store.
   */
  offerAppended(entry: LedgerEntry): void {
    this.highestOffered = Math.max(this.highestOffered, entry.seq);
    if (entry.seq <= this.lastSeq) return;
    this.appended.set(entry.seq, entry);
    if (this.appended.size > MAX_UNFOLDED_APPENDS) this.appended.delete(this.appended.keys().next().value!);
    this.foldAppended();
  }

  /**
   * The state a snapshot keeps: everything the current state needs, nothing that grows with history (the audit
   * index is left out; it covers what is folded after a restore, and older audit queries scan the ledger).
   * Taken synchronously, so it is the fold of exactly the entries up to its `lastSeq`.
   */
  exportState(): LedgerProjectionsState {
    return {
      lastSeq: this.lastSeq,
      changes: this.changesState.changes,
      changesSkipped: this.changesState.skipped,
      approved: this.approvedState.states,
      approvedSkipped: this.approvedState.skipped,
      proposals: this.proposals,
    };
  }

  /**
   * Starts from a snapshot's state (the fold of entries 1..`state.lastSeq`) instead of genesis; the tail is folded
   * by the next catch-up. Only before anything was folded: a restore never mixes with a fold already made.
   */
  restore(state: LedgerProjectionsState): void {
    if (this.lastSeq !== 0 || this.approvedState.states.size > 0)
      throw new Error('projections can only be restored before their first fold');
    for (const [key, change] of state.changes) this.changesState.changes.set(key, change);
    this.changesState.skipped.push(...state.changesSkipped);
    this.changesState.lastSeq = state.lastSeq;
    for (const [key, approved] of state.approved) {
      this.approvedState.states.set(key, approved);
      let inEnv = this.approvedByEnv.get(approved.envId);
      if (!inEnv) {
        inEnv = new Map();
        this.approvedByEnv.set(approved.envId, inEnv);
      }
      inEnv.set(approved.flagKey, approved);
    }
    this.approvedState.skipped.push(...state.approvedSkipped);
    this.approvedState.lastSeq = state.lastSeq;
    for (const [key, proposal] of state.proposals) this.proposals.set(key, proposal);
    this.restoredSeq = state.lastSeq;
    this.audit.coverFrom(state.lastSeq);
  }

  /** Seq up to which the state came from a snapshot (0 when folded from genesis). */
  get restoredFrom(): number {
    return this.restoredSeq;
  }

  /** The change-record projection as of the last catch-up. */
  get changes(): ChangeRecordsState {
    return this.changesState;
  }

  /**
   * A change's state with its full record: the projection keeps only the record's outline (values by hash), the
   * record itself is read from the ledger entry at `state.recordSeq` (or the LRU) and checked against the outline.
   */
  async loaded(state: ChangeRecordState): Promise<LoadedChangeRecordState> {
    return { ...state, record: await this.records.load(state) };
  }

  /** The loaded state of the change under `key` as of the last catch-up, or undefined when there is none. */
  async loadedChange(key: string): Promise<LoadedChangeRecordState | undefined> {
    const state = this.changesState.changes.get(key);
    return state ? this.loaded(state) : undefined;
  }

  /** Bytes of full change records (values included) this projection holds now: bounded by the LRU, not by history. */
  retainedValueBytes(): number {
    return this.records.retainedBytes();
  }

  /** Seq of the newest entry folded in. */
  get lastSeq(): number {
    return this.changesState.lastSeq;
  }

  /** The approved state of one flag as of the last catch-up. */
  approved(envId: string, flagKey: string): ApprovedFlagState | undefined {
    return this.approvedState.states.get(approvedStateKey(envId, flagKey));
  }

  /** Every approved state of an environment. */
  approvedInEnv(envId: string): ApprovedFlagState[] {
    return [...(this.approvedByEnv.get(envId)?.values() ?? [])];
  }

  /** The proposal opened from an intercepted FeatBit edit under this change key, if the change is one. */
  proposal(changeKey: string): ProposalState | undefined {
    return this.proposals.get(changeKey);
  }

  /** Environments that have approved states. */
  envIds(): string[] {
    return [...this.approvedByEnv.keys()];
  }

  /** Calls `listener` with the environments whose approved states changed in a catch-up. */
  onApprovedChange(listener: (envIds: ReadonlySet<string>) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls `listener` with every batch of entries a catch-up folds in (for notifications that follow the ledger). */
  onEntries(listener: (entries: readonly LedgerEntry[]) => void): () => void {
    this.entryListeners.add(listener);
    return () => this.entryListeners.delete(listener);
  }

  private foldProposals(entries: readonly LedgerEntry[]): void {
    for (const entry of entries) {
      if (entry.type !== LedgerEventType.ProposalOpened) continue;
      const parsed = proposalOpenedPayloadSchema.safeParse(entry.data);
      if (parsed.success && !this.proposals.has(parsed.data.changeKey))
        this.proposals.set(parsed.data.changeKey, { ...parsed.data, seq: entry.seq });
    }
  }

  private async read(): Promise<void> {
    for (;;) {
      const read = await this.ledger.readAfter(this.changesState.lastSeq, PAGE);
      if (read.length === 0) return;
      this.fold(read.filter((entry) => entry.seq > this.lastSeq));
      this.foldAppended();
      if (read.length < PAGE) return;
    }
  }

  private foldAppended(): void {
    const next: LedgerEntry[] = [];
    for (let entry = this.appended.get(this.lastSeq + 1); entry; entry = this.appended.get(entry.seq + 1))
      next.push(entry);
    for (const seq of this.appended.keys()) if (seq <= this.lastSeq + next.length) this.appended.delete(seq);
    this.fold(next);
  }

  /** Folds consecutive entries that start right after `lastSeq` into every projection and tells the listeners. */
  private fold(entries: readonly LedgerEntry[]): void {
    if (entries.length === 0) return;
    applyChangeEntriesInPlace(this.changesState, entries);
    const changed = new Set<string>();
    for (const state of applyApprovedStateEntriesInPlace(this.approvedState, entries)) {
      let inEnv = this.approvedByEnv.get(state.envId);
      if (!inEnv) {
        inEnv = new Map();
        this.approvedByEnv.set(state.envId, inEnv);
      }
      inEnv.set(state.flagKey, state);
      changed.add(state.envId);
    }
    this.foldProposals(entries);
    this.audit.add(entries);
    if (changed.size > 0) for (const listener of this.listeners) listener(changed);
    for (const listener of this.entryListeners) listener(entries);
  }
}
