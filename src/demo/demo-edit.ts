import { isDeepStrictEqual } from 'node:util';
import { FeatBitRestClient } from '../featbit/rest-client/index.js';
import { silentLogger } from '../logging/index.js';

/** The demo's FeatBit sandbox and the flag admin who edits it behind featgate's back. */
export interface DemoEditTarget {
  readonly sandboxUrl: string;
  readonly envId: string;
  /** The sandbox access token of FeatBit user `flag-admin`. */
  readonly adminToken: string;
}

/** What the flag admin did and what featgate made of it. */
export interface DemoEditOutcome {
  readonly flagKey: string;
  /** The edit in words. */
  readonly edit: string;
  /** Milliseconds until FeatBit served the approved configuration again, or undefined if it did not within the wait. */
  readonly restoredAfterMs?: number;
}

/**
 * Plays the flag admin's unauthorized edit of the demo: in FeatBit, with the admin's own token, the support prompt's
 * default rule starts serving the `concise` variation to half of all users. Then it watches FeatBit until featgate has
 * put the approved configuration back (or `waitMs` passes), as a newcomer would watch it in FeatBit's UI.
 */
export async function playDemoEdit(
  target: DemoEditTarget,
  options: { flagKey?: string; waitMs?: number } = {},
): Promise<DemoEditOutcome> {
  const flagKey = options.flagKey ?? 'support-assistant-prompt';
  const admin = new FeatBitRestClient({
    baseUrl: target.sandboxUrl,
    accessToken: target.adminToken,
    logger: silentLogger,
  });
  const before = await admin.getFlag(target.envId, flagKey);
  const served = before.fallthrough.variations[0]?.id;
  const other = before.variations.find((variation) => variation.id !== served);
  if (!served || !other) throw new Error(`${flagKey} has no second variation to widen`);
  const fallthrough = {
    ...before.fallthrough,
    variations: [
      { id: other.id, rollout: [0, 0.5] as [number, number], exptRollout: 1 },
      { id: served, rollout: [0.5, 1] as [number, number], exptRollout: 1 },
    ],
  };
  await admin.updateTargeting(target.envId, flagKey, {
    revision: before.revision,
    targeting: {
      targetUsers: before.targetUsers,
      rules: before.rules,
      fallthrough,
      exptIncludeAllTargets: before.exptIncludeAllTargets,
    },
    comment: 'demo: flag admin edits FeatBit directly',
  });
  const edit = `flag-admin made ${flagKey} serve "${other.name}" to 50% of users, directly in FeatBit`;
  const started = Date.now();
  const deadline = started + (options.waitMs ?? 15_000);
  while (Date.now() < deadline) {
    const now = await admin.getFlag(target.envId, flagKey);
    if (isDeepStrictEqual(now.fallthrough, before.fallthrough))
      return { flagKey, edit, restoredAfterMs: Date.now() - started };
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return { flagKey, edit };
}
