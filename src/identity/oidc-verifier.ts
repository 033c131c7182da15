import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { OidcConfig } from '../config/index.js';
import { UnauthorizedError } from '../errors/index.js';

/** What a verified OIDC token says about its holder. */
export interface OidcIdentity {
  readonly subject: string;
  readonly roles: string[];
  /** The `email` claim, unless the token says it is not verified; the identity mapping may name the person by it. */
  readonly email?: string;
}

/** Verifies OIDC bearer JWTs against the issuer's JWKS (fetched and cached by jose), checking issuer and audience. */
export class OidcVerifier {
  private readonly keys: JWTVerifyGetKey;

  constructor(private readonly config: OidcConfig) {
    const jwksUri = config.jwksUri ?? `${config.issuer.replace(/\/$/, '')}/.well-known/jwks.json`;
    this.keys = createRemoteJWKSet(new URL(jwksUri), { timeoutDuration: 5000, cooldownDuration: 30_000 });
  }

  /** Verifies the token and extracts subject and roles; any failure is an UnauthorizedError with the reason. */
  async verify(token: string): Promise<OidcIdentity> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp'],
      }));
    } catch (error) {
      throw new UnauthorizedError(reasonOf(error));
    }
    const subject = claimAt(payload, this.config.subjectClaim);
    if (typeof subject !== 'string' || subject === '') {
      throw new UnauthorizedError(`token has no ${this.config.subjectClaim} claim`);
    }
    const email = payload.email;
    const usableEmail =
      typeof email === 'string' && email.includes('@') && payload.email_verified !== false ? email : undefined;
    return {
      subject,
      roles: rolesFrom(claimAt(payload, this.config.rolesClaim)),
      ...(usableEmail ? { email: usableEmail } : {}),
    };
  }
}

function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'token expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'iss') return 'token issuer not accepted';
    if (error.claim === 'aud') return 'token audience not accepted';
    return `token claim ${error.claim} not accepted`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed || error instanceof errors.JWKSNoMatchingKey) {
    return 'token signature not valid for the issuer keys';
  }
  if (error instanceof errors.JOSEError) return `token not accepted (${error.code})`;
  return 'token not accepted';
}

function claimAt(payload: JWTPayload, path: string): unknown {
  let node: unknown = payload;
  for (const part of path.split('.')) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[part];
  }
  return node;
}

function rolesFrom(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((role): role is string => typeof role === 'string' && role !== '');
  return [];
}
