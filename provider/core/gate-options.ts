import type { JWK } from 'jose';
import type { Logger } from '@openfeature/core';
import type { ManifestSource } from './manifest-source.js';
import type { GateReason } from './gate-reason.js';
import type { ManifestHighWaterMark } from './manifest-high-water-mark.js';

/** What the gate does with flags the manifest does not govern. */
export enum UngovernedFlagPolicy {
  /** Serve the inner provider's result unchanged (ARCHITECTURE.md: ungoverned flags pass through). */
  Pass = 'pass',
  /** Refuse: the caller's default with error code GENERAL. */
  Deny = 'deny',
}

/** One evaluation the gate replaced, for metrics and audit hooks. */
export interface GatedEvaluation {
  readonly flagKey: string;
  readonly reason: GateReason;
  /** Variation id that was served instead. */
  readonly servedVariationId: string;
  /** What the inner provider called its result, if it named one. */
  readonly innerVariant?: string;
  readonly manifestVersion: number;
}

/** Options shared by the server and web gates. */
export interface GateOptions {
  /** Where signed manifests come from. */
  readonly source: ManifestSource;
  /** Public keys (JWK, e.g. from `featgate keys`) that may sign manifests. */
  readonly publicKeys: readonly JWK[];
  /** The FeatBit environment the gate serves (required); manifests for another one are refused. */
  readonly envId: string;
  /**
   * Where the newest accepted manifest's version and issue time are kept across restarts (`FileHighWaterMark`,
   * `StorageHighWaterMark`): a restarted gate then refuses any older manifest, even one still within its lifetime.
   * Without it, freshness after a restart rests on manifest lifetimes alone.
   */
  readonly highWaterMark?: ManifestHighWaterMark;
  /** Flags absent from the manifest: pass (default) or deny. */
  readonly ungoverned?: UngovernedFlagPolicy;
  /** How long `initialize` waits for the first verified manifest. Default 5 s. */
  readonly initTimeoutMs?: number;
  /** Called for every evaluation the gate replaced. Must not throw (errors are swallowed). */
  readonly onGated?: (evaluation: GatedEvaluation) => void;
  /** Logger for background problems (refused manifests, source errors). */
  readonly logger?: Logger;
  /** Clock in epoch ms, replaceable in tests. */
  readonly now?: () => number;
}
