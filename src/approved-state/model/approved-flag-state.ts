import type { ConfigSurface } from '../../changes/model/index.js';
import type { FeatBitFlag, FeatBitSegment } from '../../featbit/model/index.js';

/**
 * The last approved configuration of one governed flag in one environment: the source of truth that FeatBit is
 * converged toward and that providers gate against (ARCHITECTURE.md invariant 1). Read back from ledger payloads,
 * so its optional members are as the payload schema's output types them (present as undefined is absent).
 */
export interface ApprovedFlagState {
  readonly envId: string;
  readonly flagKey: string;
  /** The approved FeatBit flag configuration. */
  readonly flag: FeatBitFlag;
  /** Segments the approved configuration references, as they were approved. */
  readonly segments: readonly FeatBitSegment[];
  /** Variation served to everyone outside an approved exposure. */
  readonly baselineVariationId: string;
  readonly surface: ConfigSurface;
  readonly owner: string;
  /** Change record that produced this state; absent for an adopted baseline. */
  readonly changeKey?: string | undefined;
  /** Index of the applied release stage of that change, when it is being ramped. */
  readonly stageIndex?: number | undefined;
  /**
   * Set while a break-glass use serves its emergency configuration: this state was never reviewed, so nothing
   * builds on it (stages, rollbacks and adoptions wait) and every exit of the break-glass restores the state before it.
   */
  readonly breakGlassId?: string | undefined;
  readonly approvedAt: string;
  readonly approvedBy: string;
  /** Ledger seq of the entry that set this state: increases with every approval, so it orders versions. */
  readonly version: number;
}
