import type { EvaluationContext } from '@openfeature/core';

/** Receives what a manifest source delivers. */
export interface ManifestListener {
  /** A manifest JWS, not yet verified; the gate verifies it before using it. */
  manifest(jws: string): Promise<void>;
  /**
   * A manifest delta JWS, not yet verified: the gate applies it to the manifest it holds. Resolves false when the
   * gate refused it (it does not verify, names another base, a replay, or no manifest is held yet): the source then
   * fetches the whole manifest, since the gate may be behind.
   */
  delta?(jws: string): Promise<boolean>;
  /** A problem fetching manifests (network, file); the gate logs it and keeps its last verified manifest. */
  error(error: unknown): void;
}

/**
 * Where a gate gets signed manifests from: the featgate service (HTTP + SSE), a file, or the application itself.
 * Sources only transport JWS text; verification is always the gate's job.
 */
export interface ManifestSource {
  /** Starts delivering; resolves once the first delivery attempt finished (delivered or failed). */
  start(listener: ManifestListener): Promise<void>;
  /** Stops delivering and releases connections, timers and watchers. */
  stop(): void;
  /**
   * For per-context sources (web gates): the evaluation context manifests are to be fetched for. The web gate calls
   * it before `start` and on every context change, and waits for it (the SDK shows the provider as reconciling).
   */
  useContext?(context: EvaluationContext): Promise<void> | void;
}
