import type { ApprovedFlagState } from '../approved-state/index.js';
import type { ChangeRecordInput } from '../change/index.js';
import type { Principal } from '../identity/index.js';
import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import type { ChangeView } from './change-view.js';
import type {
  AdoptRequest,
  ApplyStageRequest,
  AuditQuery,
  ChangeListQuery,
  EvidenceRequest,
  ReasonRequest,
  ResumeRequest,
  ReviewRequest,
} from './request-schemas.js';

/**
 * The application services behind the API: each turns one validated request of an authenticated principal into
 * checks (status, separation of duties, policy) and ledger events, and writes FeatBit where a release needs it.
 */
export interface GovernanceWorkflow {
  createChange(principal: Principal, record: ChangeRecordInput): Promise<ChangeView>;
  editChange(principal: Principal, key: string, record: ChangeRecordInput): Promise<ChangeView>;
  getChange(key: string): Promise<ChangeView>;
  listChanges(principal: Principal, query: ChangeListQuery): Promise<ChangeView[]>;
  submitReview(principal: Principal, key: string, review: ReviewRequest): Promise<ChangeView>;
  attachEvidence(principal: Principal, key: string, evidence: EvidenceRequest): Promise<ChangeView>;
  applyStage(principal: Principal, key: string, request: ApplyStageRequest): Promise<ChangeView>;
  hold(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  resume(principal: Principal, key: string, request: ResumeRequest): Promise<ChangeView>;
  rollback(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  adopt(principal: Principal, request: AdoptRequest): Promise<ApprovedFlagState>;
  queryAudit(query: AuditQuery): Promise<LedgerEntry[]>;
  verifyAudit(): Promise<LedgerVerification>;
}
