import type { ApprovedFlagState } from '../../src/approved-state/index.js';
import type { JsonObject } from '../../src/canonical/index.js';
import type { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import { ledgerPayload } from '../../src/projections/payloads/index.js';

/**
 * The ledger `data` of an `approved-state.set` or `flag.adopted` entry, validated with the projections' own schema
 * so the approved-state projection reads exactly what the bridge wrote. `version` is left out: the projection
 * takes it from the entry's seq.
 */
export function approvedStatePayload(type: LedgerEventType.ApprovedStateSet | LedgerEventType.FlagAdopted, state: ApprovedFlagState): JsonObject {
  const { version: _version, ...rest } = state;
  return ledgerPayload(type, { state: { ...rest, segments: [...rest.segments] } });
}
