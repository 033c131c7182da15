/** JWS algorithm of approval manifests: EdDSA over Ed25519. */
export const MANIFEST_SIGNING_ALG = 'EdDSA';

/** JWS `typ` header of approval manifests, so no other signed document is mistaken for one. */
export const MANIFEST_JWS_TYPE = 'featgate-manifest+jws';

/**
 * JWS `typ` header of manifest deltas: a delta is never mistaken for a whole manifest (or the other way round),
 * since each verifier accepts only its own `typ`.
 */
export const MANIFEST_DELTA_JWS_TYPE = 'featgate-manifest-delta+jws';
