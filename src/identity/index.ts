export * from './authenticator.js';
export * from './default-roles.js';
export * from './oidc-verifier.js';
export * from './permission.js';
export * from './principal.js';
export * from './role-permissions.js';
export * from './token-hash.js';
export * from './identity-mapping.js';
