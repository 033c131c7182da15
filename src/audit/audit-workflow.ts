import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import type { AuditQuery } from './audit-query.js';
import type { AuditPage } from './audit-service.js';

/** What the audit routes (and a change's timeline) ask of the governance workflow. */
export interface AuditWorkflow {
  /** One bounded page of matching ledger entries and where the next page starts. */
  auditPage(query: AuditQuery): Promise<AuditPage>;
  /** Matching ledger entries up to the query's limit, following pages. */
  queryAudit(query: AuditQuery): Promise<LedgerEntry[]>;
  /** Recomputes every hash and link of the ledger. */
  verifyAudit(): Promise<LedgerVerification>;
}
