import type { ChangeView, ApplyStageRequest, ReasonRequest, ResumeRequest } from '../changes/index.js';
import type { Principal } from '../identity/index.js';
import type { ReleaseStatus } from './release-status.js';

/** What the release routes ask of the governance workflow: stages, hold, resume, rollback and the release status. */
export interface ReleaseWorkflow {
  /** Applies a release stage in FeatBit and records the new approved state. */
  applyStage(principal: Principal, key: string, request: ApplyStageRequest): Promise<ChangeView>;
  /** Stages applied and next, what the next one waits for, and what FeatBit serves for each flag now. */
  releaseStatus(key: string): Promise<ReleaseStatus>;
  /** Pauses ramping. */
  hold(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
  /** Lets ramping continue. */
  resume(principal: Principal, key: string, request: ResumeRequest): Promise<ChangeView>;
  /** Withdraws the candidate and restores the rollback value. */
  rollback(principal: Principal, key: string, request: ReasonRequest): Promise<ChangeView>;
}
