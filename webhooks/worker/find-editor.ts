import type { RestFlag } from '../../src/featbit/model/index.js';
import type { FeatBitRestClient } from '../../src/featbit/rest-client/index.js';
import type { Logger } from '../../src/logging/index.js';

/** Hints for finding an editor; each may be undefined, as the job and the worker's settings forward them. */
export interface FindEditorOptions {
  /** The webhook's operator display name, used when the audit log names nobody. */
  readonly fallback?: string | undefined;
  /** featgate's own FeatBit operator name, skipped in the audit log. */
  readonly serviceOperatorName?: string | undefined;
  readonly logger?: Logger | undefined;
}

/** Name used when neither the audit log nor the webhook names who edited. */
export const UNKNOWN_OPERATOR = 'unknown FeatBit operator';

/**
 * Finds who made the flag's current state: the newest audit-log entry whose `dataChange.current` carries the live
 * revision (FeatBit writes the audit log before it sends the webhook), else the newest entry not made by
 * featgate's own token, else the webhook's operator display name. The audit log names access tokens and users
 * (`creatorName`); the webhook only carries a display name and is a hint.
 */
export async function findEditor(
  featbit: FeatBitRestClient,
  envId: string,
  live: Pick<RestFlag, 'id' | 'key'> & { readonly revision?: string },
  options: FindEditorOptions = {},
): Promise<string> {
  try {
    const page = await featbit.listAuditLogs(envId, { refId: live.id, refType: 'FeatureFlag', pageSize: 10 });
    const byRevision = page.items.find(
      (item) => item.creatorName && revisionOf(item.dataChange.current) === live.revision,
    );
    if (byRevision?.creatorName) return byRevision.creatorName;
    const other = page.items.find((item) => item.creatorName && item.creatorName !== options.serviceOperatorName);
    if (other?.creatorName && !options.fallback) return other.creatorName;
  } catch (error) {
    options.logger?.warn(
      { envId, flagKey: live.key, err: (error as Error).message },
      'audit log unavailable; using the webhook operator',
    );
  }
  return options.fallback ?? UNKNOWN_OPERATOR;
}

function revisionOf(current: string | null): string | undefined {
  if (!current) return undefined;
  try {
    const parsed = JSON.parse(current) as { revision?: unknown };
    return typeof parsed.revision === 'string' ? parsed.revision : undefined;
  } catch {
    return undefined;
  }
}
