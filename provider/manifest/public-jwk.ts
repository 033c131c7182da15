import type { JWK } from 'jose';

/**
 * The public members of an Ed25519 JWK (`kty`, `crv`, `x`), leaving out any it does not carry. Verifiers import keys
 * through it, so a private JWK handed over as a public key (with `d`) never imports as a signing key.
 */
export function publicJwkMembers(jwk: JWK): JWK {
  return {
    ...(jwk.kty === undefined ? {} : { kty: jwk.kty }),
    ...(jwk.crv === undefined ? {} : { crv: jwk.crv }),
    ...(jwk.x === undefined ? {} : { x: jwk.x }),
  };
}
