/** JWS algorithm of approval manifests: EdDSA over Ed25519. */
export const MANIFEST_SIGNING_ALG = 'EdDSA';

/** JWS `typ` header of approval manifests, so no other signed document is mistaken for one. */
export const MANIFEST_JWS_TYPE = 'featgate-manifest+jws';
