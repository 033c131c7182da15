import type { ApiTokenConfig, OidcConfig } from '../config/index.js';
import { UnauthorizedError } from '../errors/index.js';
import { ActorKind } from '../ledger/ledger-entry.js';
import { OidcVerifier } from './oidc-verifier.js';
import type { Principal } from './principal.js';
import type { RolePermissions } from './role-permissions.js';
import { hashApiToken } from './token-hash.js';

/** How callers may authenticate. */
export interface AuthenticatorOptions {
  readonly tokens: readonly ApiTokenConfig[];
  readonly oidc?: OidcConfig;
  readonly roles: RolePermissions;
}

const JWT_SHAPE = /^[\w-]+\.[\w-]+\.[\w-]*$/;

/**
 * Turns an `Authorization: Bearer …` header into a Principal. Three-part JWTs go to OIDC verification; anything
 * else is an API token, looked up by its SHA-256 so the service never holds token values.
 */
export class Authenticator {
  private readonly tokensByHash: ReadonlyMap<string, ApiTokenConfig>;
  private readonly oidc?: OidcVerifier;

  constructor(private readonly options: AuthenticatorOptions) {
    this.tokensByHash = new Map(options.tokens.map((token) => [token.sha256, token]));
    if (options.oidc) this.oidc = new OidcVerifier(options.oidc);
  }

  /** Authenticates a request's Authorization header; throws UnauthorizedError with the reason. */
  async authenticate(header: string | undefined): Promise<Principal> {
    if (!header) throw new UnauthorizedError('missing Authorization header (expected "Bearer <token>")');
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) throw new UnauthorizedError('Authorization header must be "Bearer <token>"');
    const token = match[1]!;
    if (JWT_SHAPE.test(token)) return this.fromJwt(token);
    const entry = this.tokensByHash.get(hashApiToken(token));
    if (!entry) throw new UnauthorizedError('unknown API token');
    return {
      id: entry.name,
      kind: entry.kind === 'service' ? ActorKind.Service : ActorKind.User,
      roles: entry.roles,
      permissions: this.options.roles.permissionsOf(entry.roles),
      via: 'api-token',
    };
  }

  private async fromJwt(token: string): Promise<Principal> {
    if (!this.oidc) throw new UnauthorizedError('bearer JWTs are not accepted: no OIDC issuer is configured');
    const identity = await this.oidc.verify(token);
    return {
      id: identity.subject,
      kind: ActorKind.User,
      roles: identity.roles,
      permissions: this.options.roles.permissionsOf(identity.roles),
      via: 'oidc',
      ...(identity.email ? { aliases: [identity.email] } : {}),
    };
  }
}
