import { resolveGovernedFlag, type Policy } from '../../policies/index.js';
import type { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import type { Logger } from '../../src/logging/index.js';
import type { LedgerProjections } from '../../src/projections/index.js';
import type { ReconcileTarget, ReconcileTargetLister } from '../reconciler/reconciler.js';

/**
 * Lists what the reconciler checks: every flag FeatBit has (archived included) in every governed environment that the policy governs
 * (so new flags are adopted or converged), plus every flag with an approved state (so a flag the policy no longer
 * names, or one FeatBit lost, is still looked at). An environment FeatBit cannot list is logged and skipped, so it
 * never keeps the others from being reconciled.
 */
export function governedTargetLister(
  featbit: FeatBitRestClient,
  policy: () => Policy,
  projections: LedgerProjections,
  logger?: Logger,
): ReconcileTargetLister {
  return async () => {
    const current = policy();
    const targets = new Map<string, ReconcileTarget>();
    await projections.catchUp();
    for (const environment of current.environments) {
      let flags: Awaited<ReturnType<FeatBitRestClient['listAllFlags']>> = [];
      try {
        // Archived flags too: FeatBit's list hides them by default, but its server SDKs keep serving them.
        flags = [
          ...(await featbit.listAllFlags(environment.id)),
          ...(await featbit.listAllFlags(environment.id, { isArchived: true })),
        ];
      } catch (error) {
        logger?.warn(
          { envId: environment.id, err: (error as Error).message },
          'governed environment could not be listed in FeatBit',
        );
      }
      for (const flag of flags) {
        if (
          resolveGovernedFlag(current, environment.id, {
            key: flag.key,
            tags: (flag.tags ?? []).filter((tag): tag is string => typeof tag === 'string'),
          }).governed
        ) {
          targets.set(`${environment.id}/${flag.key}`, { envId: environment.id, flagKey: flag.key });
        }
      }
      for (const state of projections.approvedInEnv(environment.id)) {
        targets.set(`${environment.id}/${state.flagKey}`, { envId: environment.id, flagKey: state.flagKey });
      }
    }
    return [...targets.values()];
  };
}
