import type { AdoptionWorkflow } from '../adoption/index.js';
import type { AuditWorkflow } from '../audit/index.js';
import type { ChangeWorkflow } from '../changes/index.js';
import type { ReleaseWorkflow } from '../releases/index.js';

/**
 * The application services behind the API: each turns one validated request of an authenticated principal into
 * checks (status, separation of duties, policy) and ledger events, and writes FeatBit where a release needs it.
 * Each feature states the part its routes use; this is all of them, as GovernanceService implements it.
 */
export interface GovernanceWorkflow extends ChangeWorkflow, ReleaseWorkflow, AdoptionWorkflow, AuditWorkflow {}
