import { AdoptService } from '../adoption/index.js';
import { AuditService } from '../audit/index.js';
import { ChangeService } from '../changes/index.js';
import type { GovernanceWorkflow } from './governance-workflow.js';
import { ReleaseService, ReleaseStatusReader } from '../releases/index.js';
import { ProposalService } from '../proposals/index.js';
import { WorkflowContext, type WorkflowDeps } from '../projections/index.js';

/**
 * The governance workflow: change records, reviews, evidence, releases, adoption and audit. Each member of
 * GovernanceWorkflow delegates to the service that owns it, typed by the interface (one signature, one place).
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
  private readonly releaseStatusReader: ReleaseStatusReader;
  /** Proposals opened from intercepted FeatBit edits (used by the webhook bridge). */
  readonly proposals: ProposalService;

  constructor(deps: WorkflowDeps) {
    const context = new WorkflowContext(deps);
    this.changes = new ChangeService(context);
    this.releases = new ReleaseService(context, this.changes);
    this.adoptions = new AdoptService(context);
    this.audit = new AuditService(context);
    this.releaseStatusReader = new ReleaseStatusReader(context);
    this.proposals = new ProposalService(context, this.changes);
  }

  readonly createChange: GovernanceWorkflow['createChange'] = (principal, record) =>
    this.changes.createChange(principal, record);
  readonly editChange: GovernanceWorkflow['editChange'] = (principal, key, record) =>
    this.changes.editChange(principal, key, record);
  readonly getChange: GovernanceWorkflow['getChange'] = (key) => this.changes.getChange(key);
  readonly listChanges: GovernanceWorkflow['listChanges'] = (principal, query) =>
    this.changes.listChanges(principal, query);
  readonly withdrawChange: GovernanceWorkflow['withdrawChange'] = (principal, key, request) =>
    this.changes.withdrawChange(principal, key, request.reason);
  readonly explainChange: GovernanceWorkflow['explainChange'] = (key) => this.changes.explainChange(key);
  readonly submitReview: GovernanceWorkflow['submitReview'] = (principal, key, review) =>
    this.changes.submitReview(principal, key, review);
  readonly refusals: GovernanceWorkflow['refusals'] = (principal, key) => this.changes.refusals(principal, key);
  readonly releaseStatus: GovernanceWorkflow['releaseStatus'] = (key) => this.releaseStatusReader.status(key);
  readonly attachEvidence: GovernanceWorkflow['attachEvidence'] = (principal, key, evidence) =>
    this.changes.attachEvidence(principal, key, evidence);
  readonly applyStage: GovernanceWorkflow['applyStage'] = (principal, key, request) =>
    this.releases.applyStage(principal, key, request);
  readonly hold: GovernanceWorkflow['hold'] = (principal, key, request) => this.releases.hold(principal, key, request);
  readonly resume: GovernanceWorkflow['resume'] = (principal, key, request) =>
    this.releases.resume(principal, key, request);
  readonly rollback: GovernanceWorkflow['rollback'] = (principal, key, request) =>
    this.releases.rollback(principal, key, request);
  readonly adopt: GovernanceWorkflow['adopt'] = (principal, request) => this.adoptions.adopt(principal, request);
  readonly auditPage: GovernanceWorkflow['auditPage'] = (query) => this.audit.page(query);
  readonly queryAudit: GovernanceWorkflow['queryAudit'] = (query) => this.audit.query(query);
  readonly verifyAudit: GovernanceWorkflow['verifyAudit'] = () => this.audit.verify();
}
