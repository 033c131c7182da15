import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import type { InterceptedEdit, OpenedProposal } from '../../src/proposals/index.js';

/** Reads the approved state per (environment, flag), caught up with the ledger before answering. */
export interface ApprovedStateReader {
  get(envId: string, flagKey: string): Promise<ApprovedFlagState | undefined>;
  /** Every approved state of an environment (to find the flags a segment edit affects). */
  list(envId: string): Promise<readonly ApprovedFlagState[]>;
  /**
   * The configuration the release wrote for `state`'s current stage while its change is releasing, held or
   * completed; undefined for an adopted state or a change no longer live. Edits within it are approved already.
   */
  stageState(state: ApprovedFlagState): Promise<ApprovedFlagState | undefined>;
}

/** An unauthorized edit turned into a proposal that reviewers can approve (the workflow's `InterceptedEdit`). */
export type EditProposal = InterceptedEdit;

/** Opens proposal change records through the service's change workflow. */
export interface ProposalOpener {
  /** The change key the proposal for this edit has (derived from its fingerprint, so it is known before opening). */
  keyFor(proposal: Pick<EditProposal, 'flagKey' | 'fingerprint'>): string;
  /** Whether a proposal with this key exists already. */
  exists(changeKey: string): Promise<boolean>;
  /** Opens a proposal, or answers the one with the same fingerprint (`reused`), so one edit gives one proposal. */
  openProposal(proposal: EditProposal): Promise<OpenedProposal>;
}
