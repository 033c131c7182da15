import type { ApprovedFlagState } from '../approved-state/model/index.js';
import type { ChangeRecordInput } from '../changes/model/index.js';
import type { Principal } from '../identity/index.js';
import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import type { AuditPage } from '../audit/index.js';
import type {
  ChangeView,
  PolicyExplanation,
  AdoptRequest,
  ApplyStageRequest,
  AuditQuery,
  ChangeListQuery,
  EvidenceRequest,
  ReasonRequest,
  ResumeRequest,
  ReviewRequest,
} from '../changes/index.js';
import type { ReleaseStatus } from '../releases/index.js';

/**
 * The application services behind the API: each turns one validated request of an authenticated principal into
 * checks (status, separation of duties, policy) and ledger events, and writes FeatBit where a release needs it.
 */
export interface GovernanceWorkflow {
  /** Opens a change record; the caller is its requester. */
  createChange(principal: Principal, record: ChangeRecordInput): Promise<ChangeView>;
  /** Replaces a change record before release; approvals given so far are reset. */
  editChange(principal: Principal, key: string, record: ChangeRecordInput): Promise<ChangeView>;
  /** One change as the API shows it. */
  getChange(key: string): Promise<ChangeView>;
  /** Changes matching the filters. */
  listChanges(principal: Principal, query: ChangeListQuery): Promise<ChangeView[]>;
  /** Closes a change that is not released yet; it can never be approved or released again. */
  withdrawChange(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  /** Every value of a change classified, each rule that fired, the evidence checks and who may still approve. */
  explainChange(key: string): Promise<PolicyExplanation>;
  /** What a review or a withdrawal by `principal` would be refused with now (absent: allowed), for the console. */
  refusals(principal: Principal, key: string): Promise<{ review?: string; withdraw?: string }>;
  /** Records a review and follows the policy's decision. */
  submitReview(principal: Principal, key: string, review: ReviewRequest): Promise<ChangeView>;
  /** Attaches evidence and follows the policy's decision. */
  attachEvidence(principal: Principal, key: string, evidence: EvidenceRequest): Promise<ChangeView>;
  /** Applies a release stage in FeatBit and records the new approved state. */
  applyStage(principal: Principal, key: string, request: ApplyStageRequest): Promise<ChangeView>;
  /** Stages applied and next, what the next one waits for, and what FeatBit serves for each flag now. */
  releaseStatus(key: string): Promise<ReleaseStatus>;
  /** Pauses ramping. */
  hold(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  /** Lets ramping continue. */
  resume(principal: Principal, key: string, request: ResumeRequest): Promise<ChangeView>;
  /** Withdraws the candidate and restores the rollback value. */
  rollback(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  /** Records a flag's current FeatBit state as its approved baseline. */
  adopt(principal: Principal, request: AdoptRequest): Promise<ApprovedFlagState>;
  /** One bounded page of matching ledger entries and where the next page starts. */
  auditPage(query: AuditQuery): Promise<AuditPage>;
  /** Matching ledger entries up to the query's limit, following pages. */
  queryAudit(query: AuditQuery): Promise<LedgerEntry[]>;
  /** Recomputes every hash and link of the ledger. */
  verifyAudit(): Promise<LedgerVerification>;
}
