/**
 * A manifest that must not be trusted: not a featgate JWS, signed by an unknown key or not verifying, a layout the
 * gate does not know, another environment, or a value that does not match its hash. `code` is stable
 * (`INTEGRITY`, the service's code for the same failure); the message says what failed and carries no secret.
 */
export class ManifestIntegrityError extends Error {
  readonly code = 'INTEGRITY';

  constructor(message: string) {
    super(message);
    this.name = 'ManifestIntegrityError';
  }
}
