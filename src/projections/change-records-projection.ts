import type { ChangeStatus } from '../change/index.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { applyChangeEntries, EMPTY_CHANGE_RECORDS, type ChangeRecordState, type ChangeRecordsState } from './change-records/index.js';
import { LedgerProjection, type LedgerProjectionOptions } from './ledger-projection.js';

/** Filters of `ChangeRecordsProjection.list`; every given one must match. */
export interface ChangeRecordFilter {
  readonly status?: ChangeStatus;
  readonly flagKey?: string;
  readonly owner?: string;
  readonly environment?: string;
}

/** The current state of every change record, caught up from a LedgerStore before each answer. */
export class ChangeRecordsProjection {
  private readonly projection: LedgerProjection<ChangeRecordsState>;

  constructor(store: LedgerStore, options?: LedgerProjectionOptions) {
    this.projection = new LedgerProjection(store, { initial: EMPTY_CHANGE_RECORDS, apply: applyChangeEntries }, options);
  }

  /** The whole state (every record, last seq, skipped entries). */
  state(): Promise<ChangeRecordsState> {
    return this.projection.current();
  }

  /** One change record's state, or undefined when no such key was created. */
  async get(key: string): Promise<ChangeRecordState | undefined> {
    return (await this.projection.current()).changes.get(key);
  }

  /** Change records matching the filter, oldest first. */
  async list(filter: ChangeRecordFilter = {}): Promise<ChangeRecordState[]> {
    const { changes } = await this.projection.current();
    return [...changes.values()].filter(
      (change) =>
        (filter.status === undefined || change.status === filter.status) &&
        (filter.owner === undefined || change.record.owner === filter.owner) &&
        (filter.environment === undefined || change.record.environment === filter.environment) &&
        (filter.flagKey === undefined || change.record.flags.some((flag) => flag.key === filter.flagKey)),
    );
  }
}
