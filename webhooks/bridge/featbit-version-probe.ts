import { ConfigError } from '../../src/errors/index.js';
import {
  FeatBitConflictError,
  FeatBitForbiddenError,
  type FeatBitRestClient,
} from '../../src/featbit/rest-client/index.js';
import type { FlagTargeting } from '../../src/featbit/rest-client/index.js';

/** What probing one environment showed about the FeatBit release behind it. */
export enum FeatBitReleaseProbe {
  /** Revision-guarded targeting writes by access token work: FeatBit 5.3.3 or later. */
  Supported = 'supported',
  /** No flag to probe with (or FeatBit unreachable): nothing is known yet. */
  Unknown = 'unknown',
}

/** A revision no flag ever has: FeatBit compares it before it checks the targeting permissions and saves nothing. */
const EMPTY_REVISION = '00000000-0000-0000-0000-000000000000';

/**
 * FeatBit's API does not expose its version, so featgate probes the behaviour it needs: a targeting write by access
 * token with an impossible revision. FeatBit 5.3.3+ answers 409 (the revision check; nothing is written); before
 * 5.3.3 targeting is closed to access tokens (403) and before 5.2.2 flags carry no revision. Those releases make
 * every revert fail, so featgate refuses to enforce against them with `ConfigError`.
 */
export async function probeFeatBitRelease(featbit: FeatBitRestClient, envId: string): Promise<FeatBitReleaseProbe> {
  const [item] = (await featbit.listFlags(envId, { pageSize: 1 })).items;
  if (!item) return FeatBitReleaseProbe.Unknown;
  const raw = await featbit.getRawFlag(envId, item.key);
  if (raw.revision === undefined) {
    throw new ConfigError(
      `FeatBit behind environment ${envId} has no flag revisions: featgate needs FeatBit 5.3.3 or later (revisions came in 5.2.2)`,
    );
  }
  const targeting = {
    targetUsers: raw['targetUsers'] ?? [],
    rules: raw['rules'] ?? [],
    fallthrough: raw['fallthrough'] ?? { variations: [] },
    exptIncludeAllTargets: raw['exptIncludeAllTargets'] ?? true,
  } as unknown as FlagTargeting;
  try {
    await featbit.updateTargeting(envId, item.key, {
      revision: EMPTY_REVISION,
      targeting,
      comment: 'featgate: release probe (a stale revision, nothing is written)',
    });
  } catch (error) {
    if (error instanceof FeatBitConflictError) return FeatBitReleaseProbe.Supported;
    if (error instanceof FeatBitForbiddenError) {
      throw new ConfigError(
        `FeatBit refuses targeting writes by featgate's access token in environment ${envId}: featgate needs FeatBit 5.3.3 or later (access tokens may update targeting since 5.3.3), and a token allowed to update flag targeting`,
      );
    }
    throw error;
  }
  throw new ConfigError(
    `FeatBit accepted a targeting write with an impossible revision in environment ${envId}: it does not guard revisions; featgate needs FeatBit 5.3.3 or later`,
  );
}
