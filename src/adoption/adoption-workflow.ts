import type { ApprovedFlagState } from '../approved-state/model/index.js';
import type { Principal } from '../identity/index.js';
import type { AdoptRequest } from './adopt-request.js';

/** What the adoption route asks of the governance workflow. */
export interface AdoptionWorkflow {
  /** Records a flag's current FeatBit state as its approved baseline. */
  adopt(principal: Principal, request: AdoptRequest): Promise<ApprovedFlagState>;
}
