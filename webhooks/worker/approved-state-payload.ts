import type { ApprovedFlagState } from '../../src/approved-state/index.js';
import type { JsonObject } from '../../src/canonical/index.js';

/**
 * The ledger `data` of an approved-state or adoption event: the approved state (its `version` is the entry's seq,
 * assigned by the projection) and why it was set.
 */
export function approvedStatePayload(state: ApprovedFlagState, reason: string): JsonObject {
  const { version: _version, ...rest } = state;
  return { state: JSON.parse(JSON.stringify(rest)) as JsonObject, reason };
}
