import type { RestFlag, Variation } from '../model/index.js';
import type { FlagTargeting } from './api-types.js';
import { FeatBitConflictError } from './featbit-api-error.js';
import type { FeatBitRestClient } from './featbit-rest-client.js';

/** Which revision-guarded endpoint a planned write goes to. */
export enum FlagWriteKind {
  Targeting = 'targeting',
  Variations = 'variations',
  OffVariation = 'off-variation',
}

/** One revision-guarded write, planned from the flag as just read. */
export type PlannedFlagWrite =
  | { readonly kind: FlagWriteKind.Targeting; readonly targeting: FlagTargeting; readonly comment?: string }
  | { readonly kind: FlagWriteKind.Variations; readonly variations: readonly Variation[]; readonly comment?: string }
  | { readonly kind: FlagWriteKind.OffVariation; readonly offVariationId: string; readonly comment?: string };

/**
 * Decides the writes that take `flag` where the caller wants it; an empty list means nothing to do.
 * Called again with a fresh read after every 409, so it must derive the writes from `flag` alone.
 */
export type FlagWritePlanner = (
  flag: RestFlag,
  attempt: number,
) => readonly PlannedFlagWrite[] | Promise<readonly PlannedFlagWrite[]>;

/** What a guarded update did. */
export interface RevisionedUpdateResult {
  /** The flag's revision after the last write (the read revision when nothing was written). */
  readonly revision: string;
  /** Reads made, 1 when no conflict happened. */
  readonly attempts: number;
  /** Writes that succeeded in the final round. */
  readonly writes: number;
}

/**
 * Read, plan, write with the current revision; on a 409 re-read and re-plan (at most `maxAttempts` reads).
 * Several planned writes are chained with the revision each one returns. Never resends a stale write.
 */
export async function updateFlagWithRevision(
  client: FeatBitRestClient,
  envId: string,
  key: string,
  plan: FlagWritePlanner,
  options: { readonly maxAttempts?: number } = {},
): Promise<RevisionedUpdateResult> {
  const maxAttempts = options.maxAttempts ?? 5;
  for (let attempt = 1; ; attempt += 1) {
    const flag = await client.getFlag(envId, key);
    const writes = await plan(flag, attempt);
    let revision = flag.revision;
    let done = 0;
    try {
      for (const write of writes) {
        revision = await applyWrite(client, envId, key, revision, write);
        done += 1;
      }
      return { revision, attempts: attempt, writes: done };
    } catch (error) {
      if (!(error instanceof FeatBitConflictError) || attempt >= maxAttempts) throw error;
    }
  }
}

function applyWrite(
  client: FeatBitRestClient,
  envId: string,
  key: string,
  revision: string,
  write: PlannedFlagWrite,
): Promise<string> {
  const comment = write.comment === undefined ? {} : { comment: write.comment };
  switch (write.kind) {
    case FlagWriteKind.Targeting:
      return client.updateTargeting(envId, key, { revision, targeting: write.targeting, ...comment });
    case FlagWriteKind.Variations:
      return client.updateVariations(envId, key, { revision, variations: write.variations, ...comment });
    case FlagWriteKind.OffVariation:
      return client.updateOffVariation(envId, key, { revision, offVariationId: write.offVariationId, ...comment });
  }
}
