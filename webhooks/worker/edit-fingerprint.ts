import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import { canonicalJson, sha256Hex } from '../../src/canonical/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';
import { comparableFlag, comparableSegment } from './flag-config.js';

/** Identifies one unauthorized edit: the same configuration over the same approved version gives the same hash. */
export function editFingerprint(
  envId: string,
  approved: ApprovedFlagState,
  edited: FeatBitFlag,
  segments: readonly FeatBitSegment[],
): string {
  return sha256Hex(
    canonicalJson({
      envId,
      flagKey: edited.key,
      approvedVersion: approved.version,
      edited: comparableFlag(edited),
      segments: [...segments].sort((a, b) => a.id.localeCompare(b.id)).map(comparableSegment),
    }),
  );
}
