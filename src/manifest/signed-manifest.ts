import { sha256Hex } from '../canonical/canonical-json.js';

/** A signed manifest delta as it is pushed: the JWS, its entity tag and the signing it applies to. */
export interface SignedManifestDelta {
  /** Compact JWS (`typ` featgate-manifest-delta+jws) whose payload is the ManifestDelta. */
  readonly jws: string;
  /** The quoted SHA-256 of the JWS (the SSE event id). */
  readonly etag: string;
  /** `seq` of the signed manifest it applies to: a stream sends it only to a client that holds that one. */
  readonly baseSeq: number;
}

/** A signed manifest as it is served: the JWS plus what HTTP caching and change detection need. */
export interface SignedManifest {
  readonly envId: string;
  /**
   * Compact JWS whose payload is the ApprovalManifest. May be signed on first read (the publisher signs whole
   * manifests only when a GET, a new stream or a whole-manifest subscriber asks).
   */
  readonly jws: string;
  /** Strong HTTP entity tag: the quoted SHA-256 of the JWS. */
  readonly etag: string;
  readonly version: number;
  readonly issuedAt: string;
  readonly expiresAt: string;
  /** Signing order within the environment (grows by one per signing). */
  readonly seq?: number;
  /** The change from the previous signing (`seq - 1`), when there was one. */
  readonly delta?: SignedManifestDelta;
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
