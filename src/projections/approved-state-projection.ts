import type { ApprovedFlagState } from '../approved-state/index.js';
import type { LedgerStore } from '../ledger/ledger-store.js';
import { applyApprovedStateEntries, approvedStateKey, EMPTY_APPROVED_STATES, type ApprovedStates } from './approved-state/index.js';
import { LedgerProjection, type LedgerProjectionOptions } from './ledger-projection.js';

/** The approved state per (environment, flag), caught up from a LedgerStore before each answer. */
export class ApprovedStateProjection {
  private readonly projection: LedgerProjection<ApprovedStates>;

  constructor(store: LedgerStore, options?: LedgerProjectionOptions) {
    this.projection = new LedgerProjection(store, { initial: EMPTY_APPROVED_STATES, apply: applyApprovedStateEntries }, options);
  }

  /** The whole state (every approved flag, last seq, skipped entries). */
  state(): Promise<ApprovedStates> {
    return this.projection.current();
  }

  /** The approved state of one flag in one environment, or undefined when it was never approved or adopted. */
  async get(envId: string, flagKey: string): Promise<ApprovedFlagState | undefined> {
    return (await this.projection.current()).states.get(approvedStateKey(envId, flagKey));
  }

  /** Every approved flag state of an environment, by flag key. */
  async listForEnvironment(envId: string): Promise<ApprovedFlagState[]> {
    const { states } = await this.projection.current();
    return [...states.values()].filter((state) => state.envId === envId).sort((a, b) => a.flagKey.localeCompare(b.flagKey));
  }
}
