import type { JsonObject } from '../canonical/index.js';
import type { Actor, LedgerEntry, LedgerStore } from '../ledger/index.js';
import type { LedgerEventType } from '../ledger/ledger-event-type.js';
import { flagSubject, ledgerPayload } from '../ledger-events/index.js';
import type { ApprovedFlagState } from './model/index.js';

/** The two ledger events that set a flag's approved state: an approval (stage, rollback, accepted edit) or an adoption. */
export type ApprovedStateEventType = LedgerEventType.ApprovedStateSet | LedgerEventType.FlagAdopted;

/** An approved state as an appender hands it over: `version` is optional and ignored (the entry's seq becomes it). */
export type ApprovedStateInput = Omit<ApprovedFlagState, 'version'> & { readonly version?: number };

/** What one approved-state write records. */
export interface ApprovedStateRecord {
  readonly type: ApprovedStateEventType;
  readonly actor: Actor;
  readonly state: ApprovedStateInput;
  /** Why the actor accepted this state (the adopt API requires one), kept for the audit trail. */
  readonly reason?: string;
  /** The writer's clock; the store stamps its own when absent. */
  readonly at?: string;
}

/**
 * The ledger `data` of an approved-state entry, validated with the projections' own schema so the approved-state
 * projection reads exactly what was written. `version` is left out: the projection takes it from the entry's seq.
 */
export function approvedStatePayload(
  type: ApprovedStateEventType,
  state: ApprovedStateInput,
  reason?: string,
): JsonObject {
  const { version: _version, ...rest } = state;
  return ledgerPayload(type, {
    state: { ...rest, segments: [...rest.segments] },
    ...(reason !== undefined ? { reason } : {}),
  });
}

/**
 * The one writer of approved state (ARCHITECTURE.md invariant 1): appends `approved-state.set` or `flag.adopted`
 * on the flag's subject. Callers hold the flag's lock; the returned entry's seq is the new state's version.
 */
export async function recordApprovedState(
  ledger: Pick<LedgerStore, 'append'>,
  record: ApprovedStateRecord,
): Promise<LedgerEntry> {
  const { type, actor, state, reason, at } = record;
  return ledger.append({
    type,
    actor,
    subject: flagSubject(state.envId, state.flagKey),
    data: approvedStatePayload(type, state, reason),
    ...(at !== undefined ? { at } : {}),
  });
}

/** Where a successor state came from: the change (and stage) or break-glass use that produced it. */
export interface ApprovedStateOrigin {
  readonly changeKey?: string | undefined;
  readonly stageIndex?: number | undefined;
  readonly breakGlassId?: string | undefined;
}

/** What a release or break-glass changes when it approves a new configuration on top of `previous`. */
export interface ApprovedStateSuccession {
  readonly flag: ApprovedFlagState['flag'];
  readonly origin: ApprovedStateOrigin;
  readonly approvedAt: string;
  readonly approvedBy: string;
  readonly segments?: ApprovedFlagState['segments'];
  readonly baselineVariationId?: string;
}

/**
 * The state that follows `previous` for the same flag: surface, owner and (unless named) segments and baseline are
 * kept; the origin is replaced as a whole, so a state never inherits the change or break-glass of the one before.
 */
export function successorState(previous: ApprovedStateInput, next: ApprovedStateSuccession): ApprovedStateInput {
  const { changeKey, stageIndex, breakGlassId } = next.origin;
  return {
    envId: previous.envId,
    flagKey: previous.flagKey,
    flag: next.flag,
    segments: [...(next.segments ?? previous.segments)],
    baselineVariationId: next.baselineVariationId ?? previous.baselineVariationId,
    surface: previous.surface,
    owner: previous.owner,
    ...(changeKey !== undefined ? { changeKey } : {}),
    ...(stageIndex !== undefined ? { stageIndex } : {}),
    ...(breakGlassId !== undefined ? { breakGlassId } : {}),
    approvedAt: next.approvedAt,
    approvedBy: next.approvedBy,
  };
}
