import type { Policy } from '../../policies/engine/policy-schema.js';
import type { ApprovedFlagState } from '../approved-state/model/index.js';
import type { Logger } from '../logging/index.js';
import { manifestGovernanceOf } from './manifest-governance.js';
import type { ManifestPublisher } from './manifest-publisher.js';

/** What manifest publishing follows: the approved state per environment, and news of which environments changed. */
export interface ApprovedStateFeed {
  /** Every flag's approved state in `envId`, as the ledger holds it now. */
  approvedInEnv(envId: string): ApprovedFlagState[];
  /** Calls `listener` with the environments whose approved state a ledger catch-up changed; returns the unsubscribe. */
  onApprovedChange(listener: (envIds: ReadonlySet<string>) => void): () => void;
}

/**
 * The ledger-to-manifest step: signs each policy environment's manifest from the approved state now, then again
 * whenever an approval, rollback, adoption or accepted edit changes it (the publisher coalesces bursts). A signing
 * that fails later is logged and the gates keep the last manifest; the first one failing fails the start, since
 * gates must never start without a manifest to verify. Returns the unsubscribe.
 */
export async function publishApprovedState(
  publisher: ManifestPublisher,
  feed: ApprovedStateFeed,
  policy: Policy,
  logger: Logger,
): Promise<() => void> {
  const publish = (envId: string) =>
    publisher.publish(envId, feed.approvedInEnv(envId), manifestGovernanceOf(policy, envId));
  const unsubscribe = feed.onApprovedChange((envIds) => {
    for (const envId of envIds)
      void publish(envId).catch((error: unknown) => logger.error({ err: error }, 'manifest signing failed'));
  });
  for (const env of policy.environments) await publish(env.id);
  return unsubscribe;
}
