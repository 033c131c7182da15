import { sha256Hex } from '../canonical/canonical-json.js';

/** A signed manifest as it is served: the JWS plus what HTTP caching and change detection need. */
export interface SignedManifest {
  readonly envId: string;
  /** Compact JWS whose payload is the ApprovalManifest. */
  readonly jws: string;
  /** Strong HTTP entity tag: the quoted SHA-256 of the JWS. */
  readonly etag: string;
  readonly version: number;
  readonly issuedAt: string;
  readonly expiresAt: string;
}

/** The strong ETag of a manifest JWS. */
export function manifestEtag(jws: string): string {
  return `"${sha256Hex(jws)}"`;
}

/** Where the manifest router reads signed manifests from and learns about new ones. */
export interface SignedManifestSource {
  /** The newest signed manifest of an environment, if it has one. */
  current(envId: string): SignedManifest | undefined | Promise<SignedManifest | undefined>;
  /** Calls `listener` with each new signed manifest of the environment; returns the unsubscribe function. */
  subscribe(envId: string, listener: (manifest: SignedManifest) => void): () => void;
}
