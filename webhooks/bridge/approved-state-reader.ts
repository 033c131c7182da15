import { ChangeStatus } from '../../src/changes/model/index.js';
import { LedgerEventType, type LedgerStore } from '../../src/ledger/index.js';
import { ApprovedStateHistory } from '../../src/approved-state/index.js';
import type { LedgerProjections } from '../../src/projections/index.js';
import type { ApprovedStateReader } from '../worker/bridge-ports.js';

/** Statuses in which a change's applied stage is live and approved. */
const LIVE_RELEASE_STATUSES: ReadonlySet<string> = new Set([
  ChangeStatus.Releasing,
  ChangeStatus.Held,
  ChangeStatus.Completed,
]);

/**
 * The worker's view of approved state, answered from the service's projections after a catch-up. `stageState`
 * finds the configuration the release wrote when it applied the approved state's current stage: the flag's last
 * `approved-state.set` of that change before the stage's `release.stage-applied` entry (the release appends both
 * under the flag's lock, so no accepted edit lies between them), found through the audit index.
 */
export function approvedStateReader(projections: LedgerProjections, ledger: LedgerStore): ApprovedStateReader {
  const history = new ApprovedStateHistory(ledger);
  return {
    async get(envId, flagKey) {
      await projections.catchUp();
      return projections.approved(envId, flagKey);
    },
    async list(envId) {
      await projections.catchUp();
      return projections.approvedInEnv(envId);
    },
    async stageState(state) {
      const { changeKey, stageIndex } = state;
      if (changeKey === undefined || stageIndex === undefined) return undefined;
      await projections.catchUp();
      const status = projections.changes.changes.get(changeKey)?.status;
      if (status === undefined || !LIVE_RELEASE_STATUSES.has(status)) return undefined;
      const applied = await ledger.readSeqs(
        projections.audit.candidates({ change: changeKey, type: LedgerEventType.StageApplied }, 0) ?? [],
      );
      const stageSeq = applied.findLast((entry) => entry.data['stageIndex'] === stageIndex)?.seq;
      if (stageSeq === undefined) return undefined;
      const flag = `${state.envId}/${state.flagKey}`;
      const seqs = (
        projections.audit.candidates({ change: changeKey, flag, type: LedgerEventType.ApprovedStateSet }, 0) ?? []
      ).filter((seq) => seq < stageSeq);
      const written = await history.latestAmong(seqs.slice(-1));
      return written?.changeKey === changeKey && written.stageIndex === stageIndex ? written : undefined;
    },
  };
}
