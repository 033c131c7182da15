import type { ApprovedFlagState } from '../../src/approved-state/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../src/featbit/model/index.js';
import type { ConfigSurface } from '../../src/change/config-surface.js';

/** Reads the approved state per (environment, flag), caught up with the ledger before answering. */
export interface ApprovedStateReader {
  get(envId: string, flagKey: string): Promise<ApprovedFlagState | undefined>;
  /** Every approved state of an environment (to find the flags a segment edit affects). */
  list(envId: string): Promise<readonly ApprovedFlagState[]>;
}

/** An unauthorized edit turned into a proposal that reviewers can approve. */
export interface EditProposal {
  readonly envId: string;
  readonly flagKey: string;
  readonly surface: ConfigSurface;
  readonly owner: string;
  /** The FeatBit operator who made the edit; the proposal's requester. */
  readonly requester: string;
  /** What FeatBit was restored to. */
  readonly approved: ApprovedFlagState;
  /** The configuration the operator made, proposed as the candidate. */
  readonly edited: FeatBitFlag;
  readonly editedSegments: readonly FeatBitSegment[];
  /** Readable list of what changed, for the proposal's description. */
  readonly changes: readonly string[];
  /** Stable hash of (environment, flag, approved version, edited configuration): the same edit seen again has the same one. */
  readonly fingerprint: string;
}

/** Opens a proposal change record (the service's change workflow); answers the new record's key. */
export interface ProposalOpener {
  /** Opens a proposal, or answers the open one with the same fingerprint (`reused`), so one edit gives one proposal. */
  openProposal(proposal: EditProposal): Promise<{ readonly changeKey: string; readonly reused: boolean }>;
}
