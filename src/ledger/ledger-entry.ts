import type { JsonObject } from '../canonical/index.js';

/** Who did something: a person, a service identity, a FeatBit operator seen in a webhook, or featgate itself. */
export interface Actor {
  /** Stable id: a user id or email, a token name, the FeatBit operator name, or `featgate`. */
  readonly id: string;
  readonly kind: ActorKind;
  /** Roles the actor held when it acted (from the token or the OIDC claim). */
  readonly roles?: readonly string[];
}

/** The kinds of actor the ledger distinguishes. */
export enum ActorKind {
  User = 'user',
  Service = 'service',
  FeatBitOperator = 'featbit-operator',
  System = 'system',
}

/** Hash that stands in as `prevHash` of the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** One immutable, hash-chained ledger entry. */
export interface LedgerEntry {
  /** 1-based position in the chain, without gaps. */
  readonly seq: number;
  /** Event type, e.g. `change.created`; see LedgerEventType. */
  readonly type: string;
  /** ISO-8601 time the entry was appended. */
  readonly at: string;
  readonly actor: Actor;
  /** What the entry is about: `change:<key>`, `flag:<envId>/<flagKey>`, `segment:<envId>/<id>`. */
  readonly subject: string;
  readonly data: JsonObject;
  /** `hash` of the previous entry, GENESIS_HASH for the first. */
  readonly prevHash: string;
  /** SHA-256 of the RFC 8785 canonical JSON of this entry without `hash`. */
  readonly hash: string;
}

/** What a caller supplies to append; the store assigns seq, at (when absent), prevHash and hash. */
export interface LedgerAppend {
  readonly type: string;
  readonly actor: Actor;
  readonly subject: string;
  readonly data: JsonObject;
  readonly at?: string;
}
