import type { Policy } from '../../policies/index.js';
import type { JsonObject } from '../canonical/index.js';
import type { ChangeRecord } from '../changes/model/index.js';
import type { FieldIssue } from '../errors/index.js';
import type { FeatBitRestClient } from '../featbit/rest-client/index.js';
import type { Actor, LedgerEntry, VerifiableLedgerStore } from '../ledger/index.js';
import { NO_PEOPLE, type IdentityMapping } from '../identity/index.js';
import type { Logger } from '../logging/index.js';
import type { RedactionKey } from '../redaction/index.js';
import { ledgerPayload, type LedgerPayloadInput, type ProjectedEventType } from '../ledger-events/index.js';
import type { KeyedLock } from '../locks/index.js';
import type { LedgerProjections } from './ledger-projections.js';

/** What every workflow service works with. */
export interface WorkflowDeps {
  readonly ledger: VerifiableLedgerStore;
  readonly projections: LedgerProjections;
  readonly lock: KeyedLock;
  /** The current policy (a getter, so a reloaded policy applies to the next request). */
  readonly policy: () => Policy;
  /** The installation's key for the hashes that stand in for secret values (every process must share it). */
  readonly redactionKey: RedactionKey;
  /** featgate's own FeatBit client (its service identity); releases and adoption need it. */
  readonly featbit?: FeatBitRestClient;
  readonly logger: Logger;
  readonly now?: () => Date;
  /** The identity mapping (`identity.people`): one person behind several identities is one person for separation of duties. */
  readonly identities?: IdentityMapping;
  /**
   * The identities the service knows in advance (configured API tokens, with their roles and whether they may
   * submit reviews), so a policy explanation can name who may still approve. OIDC users are not known in advance.
   */
  readonly knownReviewers?: () => readonly KnownReviewer[];
  /**
   * Checks of a change record against the service's configuration that its schema cannot make (e.g. that each
   * `holdIf` Prometheus source names an operator template with allowed parameters); issues refuse the record (400).
   */
  readonly checkRecord?: (record: ChangeRecord) => FieldIssue[];
}

/** A configured identity that may be asked to review: its name, roles and whether those grant `review:submit`. */
export interface KnownReviewer {
  readonly identity: string;
  readonly roles: readonly string[];
  readonly mayReview: boolean;
}

/** Shared helpers of the workflow services. */
export class WorkflowContext {
  constructor(readonly deps: WorkflowDeps) {}

  /** The identity mapping; without one every identity is its own person (case-folded). */
  get identities(): IdentityMapping {
    return this.deps.identities ?? NO_PEOPLE;
  }

  /** Current time as an ISO string. */
  nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** Appends one event whose payload is validated against the projections' schema for its type. */
  append<T extends ProjectedEventType>(
    type: T,
    actor: Actor,
    subject: string,
    payload: LedgerPayloadInput<T>,
  ): Promise<LedgerEntry> {
    const data: JsonObject = ledgerPayload(type, payload);
    return this.deps.ledger.append({ type, actor, subject, data });
  }
}
