import type { Principal } from '../identity/index.js';
import type { ChangeView } from './change-view.js';
import type { ChangeRecordInput } from './model/index.js';
import type { PolicyExplanation } from './policy-explanation.js';
import type { ChangeListQuery, EvidenceRequest, ReasonRequest, ReviewRequest } from './request-schemas.js';

/** What the change routes ask of the governance workflow: change records, their reviews, evidence and explanation. */
export interface ChangeWorkflow {
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
}
