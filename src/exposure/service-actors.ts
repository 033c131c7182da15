import { ActorKind, type Actor } from '../ledger/index.js';
import type { Principal } from '../identity/index.js';

/** featgate's own identities for what it does by itself, so the ledger tells them apart from people. */
export enum ServiceActorId {
  Guardrails = 'featgate-guardrails',
  AutoAdvance = 'featgate-auto-advance',
  BreakGlass = 'featgate-break-glass',
  ReviewDates = 'featgate-review-dates',
  Prometheus = 'featgate-prometheus',
}

/** The ledger actor of one of featgate's own identities. */
export function serviceActor(id: ServiceActorId): Actor {
  return { id, kind: ActorKind.Service, roles: ['service'] };
}

/** A principal for featgate's own identity, for workflow methods that take one; it holds no API permissions. */
export function servicePrincipal(id: ServiceActorId): Principal {
  return { id, kind: ActorKind.Service, roles: ['service'], permissions: new Set(), via: 'api-token' };
}
