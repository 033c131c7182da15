import type { ActorKind } from '../ledger/ledger-entry.js';
import { type Actor } from '../ledger/ledger-entry.js';
import type { Permission } from './permission.js';

/** An authenticated caller: who it is, the roles it holds and what they allow. */
export interface Principal {
  /** Stable id written to the ledger: the token name or the OIDC subject claim. */
  readonly id: string;
  readonly kind: ActorKind.User | ActorKind.Service;
  readonly roles: readonly string[];
  readonly permissions: ReadonlySet<Permission>;
  /** How the caller authenticated. */
  readonly via: 'api-token' | 'oidc';
  /** Other identities the credential proves (an OIDC token's verified e-mail): the identity mapping resolves them too. */
  readonly aliases?: readonly string[];
}

/** The ledger actor for a principal. */
export function actorOf(principal: Principal): Actor {
  return { id: principal.id, kind: principal.kind, roles: [...principal.roles] };
}
