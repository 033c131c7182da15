import type { ApprovedFlagState } from '../approved-state/index.js';
import type { ChangeRecordInput } from '../change/index.js';
import type { Principal } from '../identity/index.js';
import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import { AdoptService } from './adopt-service.js';
import { AuditService } from './audit-service.js';
import { ChangeService } from './change-service.js';
import type { ChangeView } from './change-view.js';
import type { GovernanceWorkflow } from './governance-workflow.js';
import { ReleaseService } from './release-service.js';
import { ProposalService } from './proposal-service.js';
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
import { WorkflowContext, type WorkflowDeps } from './workflow-context.js';

/**
 * The governance workflow: change records, reviews, evidence, releases, adoption and audit.
 *
 * Consistency across processes: every state change runs under a lock per change record (plus one per flag a
 * release or adoption writes), taken in Redis when the service runs on Redis. Inside the lock the projections
 * are caught up to the ledger head, the request is validated against that state, and the events are appended.
 * A compare-and-set on the ledger head was the alternative; it was not chosen because the head is shared by
 * every change (unrelated appends would force retries), and because a release has side effects in FeatBit that
 * cannot simply be retried after losing a race: the lock makes the FeatBit write and its events one step.
 */
export class GovernanceService implements GovernanceWorkflow {
  private readonly changes: ChangeService;
  private readonly releases: ReleaseService;
  private readonly adoptions: AdoptService;
  private readonly audit: AuditService;
  /** Proposals opened from intercepted FeatBit edits (used by the webhook bridge). */
  readonly proposals: ProposalService;

  constructor(deps: WorkflowDeps) {
    const context = new WorkflowContext(deps);
    this.changes = new ChangeService(context);
    this.releases = new ReleaseService(context, this.changes);
    this.adoptions = new AdoptService(context);
    this.audit = new AuditService(context);
    this.proposals = new ProposalService(context, this.changes);
  }

  createChange(principal: Principal, record: ChangeRecordInput): Promise<ChangeView> {
    return this.changes.createChange(principal, record);
  }

  editChange(principal: Principal, key: string, record: ChangeRecordInput): Promise<ChangeView> {
    return this.changes.editChange(principal, key, record);
  }

  getChange(key: string): Promise<ChangeView> {
    return this.changes.getChange(key);
  }

  listChanges(principal: Principal, query: ChangeListQuery): Promise<ChangeView[]> {
    return this.changes.listChanges(principal, query);
  }

  submitReview(principal: Principal, key: string, review: ReviewRequest): Promise<ChangeView> {
    return this.changes.submitReview(principal, key, review);
  }

  attachEvidence(principal: Principal, key: string, evidence: EvidenceRequest): Promise<ChangeView> {
    return this.changes.attachEvidence(principal, key, evidence);
  }

  applyStage(principal: Principal, key: string, request: ApplyStageRequest): Promise<ChangeView> {
    return this.releases.applyStage(principal, key, request);
  }

  hold(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView> {
    return this.releases.hold(principal, key, request);
  }

  resume(principal: Principal, key: string, request: ResumeRequest): Promise<ChangeView> {
    return this.releases.resume(principal, key, request);
  }

  rollback(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView> {
    return this.releases.rollback(principal, key, request);
  }

  adopt(principal: Principal, request: AdoptRequest): Promise<ApprovedFlagState> {
    return this.adoptions.adopt(principal, request);
  }

  queryAudit(query: AuditQuery): Promise<LedgerEntry[]> {
    return this.audit.query(query);
  }

  verifyAudit(): Promise<LedgerVerification> {
    return this.audit.verify();
  }
}
