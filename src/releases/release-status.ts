import { z } from 'zod';
import { resolveGovernedFlag } from '../../policies/index.js';
import { contentHash, type JsonValue } from '../canonical/index.js';
import { ChangeStatus, durationMs, type ReleaseStage } from '../changes/model/index.js';
import { NotFoundError } from '../errors/index.js';
import type { FeatBitFlag } from '../featbit/model/index.js';
import { convertFeatBitValue, requestedTypeOf } from '@featgate/openfeature/manifest';
import { redactSecrets } from '../redaction/index.js';
import type { LoadedChangeRecordState } from '../changes/projection/index.js';
import { secretKeyMatcherOf } from '../changes/index.js';
import { servedExposure, servedExposureSchema } from './served-exposure.js';
import { latestBreaches } from './stage-checks.js';
import type { WorkflowContext } from '../projections/index.js';

const stageInfoSchema = z.object({
  /** 1-based stage number, as the CLI and the API's `stage` field count. */
  number: z.number().int(),
  name: z.string(),
  audience: z.string(),
  percentage: z.number(),
  minDuration: z.string(),
  advance: z.enum(['manual', 'auto']),
});

/** What a release looks like now: its stages, what FeatBit serves for each flag, and what the next stage waits for. */
export const releaseStatusSchema = z.object({
  key: z.string(),
  status: z.enum(ChangeStatus),
  statusReason: z.string().nullable(),
  stageCount: z.number().int(),
  currentStage: stageInfoSchema.extend({ appliedAt: z.string().nullable() }).nullable(),
  nextStage: stageInfoSchema
    .extend({
      /** Earliest time the stage may be applied (the applied stage's minimum duration), null when not bound by time. */
      notBefore: z.string().nullable(),
      /** Everything that stops the stage from being applied now, in words; empty when it may be applied. */
      waitingFor: z.array(z.string()),
    })
    .nullable(),
  flags: z.array(
    z.object({
      flagKey: z.string(),
      envId: z.string().nullable(),
      /** What FeatBit serves now, read from FeatBit; null when it could not be read (see `error`). */
      featbit: servedExposureSchema.nullable(),
      error: z.string().optional(),
    }),
  ),
});
export type ReleaseStatus = z.infer<typeof releaseStatusSchema>;

const RELEASABLE: ReadonlySet<ChangeStatus> = new Set([
  ChangeStatus.Approved,
  ChangeStatus.Releasing,
  ChangeStatus.Held,
]);

/**
 * Answers "where is this release?" from the ledger (stages applied, hold, signals) and from FeatBit itself (what
 * each flag serves now), never from what a caller says: a release owner sees the real exposure before ramping.
 */
export class ReleaseStatusReader {
  constructor(private readonly context: WorkflowContext) {}

  /** The release status of change `key`; 404 when there is no such change. */
  async status(key: string, now: Date = this.context.deps.now?.() ?? new Date()): Promise<ReleaseStatus> {
    await this.context.deps.projections.catchUp();
    const state = await this.context.deps.projections.loadedChange(key);
    if (!state) throw new NotFoundError(`no change ${key}`);
    const stages = state.record.release.stages;
    const current = state.stageIndex ?? -1;
    const next = current + 1 < stages.length ? current + 1 : undefined;
    return {
      key,
      status: state.status,
      statusReason: state.statusReason ?? null,
      stageCount: stages.length,
      currentStage:
        current >= 0 ? { ...stageInfo(stages[current]!, current), appliedAt: state.stageAppliedAt ?? null } : null,
      nextStage: next === undefined ? null : this.nextStage(state, stages, next, now),
      flags: await Promise.all(state.record.flags.map((flag) => this.flagExposure(state, flag.key, flag.candidate))),
    };
  }

  private nextStage(
    state: LoadedChangeRecordState,
    stages: readonly ReleaseStage[],
    index: number,
    now: Date,
  ): NonNullable<ReleaseStatus['nextStage']> {
    const waitingFor: string[] = [];
    if (!RELEASABLE.has(state.status))
      waitingFor.push(`the change is ${state.status}; only approved changes are released`);
    if (state.status === ChangeStatus.Held)
      waitingFor.push(`the release is held (${state.statusReason ?? 'no reason given'}); resume it first`);
    let notBefore: string | null = null;
    const applied = stages[index - 1];
    if (applied && state.stageAppliedAt) {
      const earliest = Date.parse(state.stageAppliedAt) + durationMs(applied.minDuration);
      notBefore = new Date(earliest).toISOString();
      if (now.getTime() < earliest)
        waitingFor.push(`stage ${index} (${applied.name}) runs at least ${applied.minDuration}, until ${notBefore}`);
    }
    for (const breach of latestBreaches(state)) waitingFor.push(`guardrail: ${breach}`);
    return { ...stageInfo(stages[index]!, index), notBefore, waitingFor };
  }

  private async flagExposure(
    state: LoadedChangeRecordState,
    flagKey: string,
    candidate: JsonValue,
  ): Promise<ReleaseStatus['flags'][number]> {
    const policy = this.context.deps.policy();
    const governance = resolveGovernedFlag(policy, state.record.environment, { key: flagKey });
    if (!governance.governed)
      return {
        flagKey,
        envId: null,
        featbit: null,
        error: `not governed in ${state.record.environment}: ${governance.reason}`,
      };
    const envId = governance.environment.id;
    const featbit = this.context.deps.featbit;
    if (!featbit) return { flagKey, envId, featbit: null, error: 'FeatBit is not configured' };
    try {
      const flag = await featbit.getFlag(envId, flagKey);
      return { flagKey, envId, featbit: servedExposure(flag, this.candidateMatcher(flag, candidate)) };
    } catch (error) {
      return { flagKey, envId, featbit: null, error: `FeatBit could not be read: ${(error as Error).message}` };
    }
  }

  /** Marks the variations whose value equals the candidate, compared after redaction (secrets are never read back). */
  private candidateMatcher(flag: FeatBitFlag, candidate: JsonValue): (variationId: string) => boolean {
    const matcher = secretKeyMatcherOf(this.context.deps.policy());
    const key = this.context.deps.redactionKey;
    const wanted = contentHash(redactSecrets(candidate, matcher, key));
    return (variationId) => {
      const variation = flag.variations.find((entry) => entry.id === variationId);
      if (!variation) return false;
      const converted = convertFeatBitValue(variation.value, requestedTypeOf(flag.variationType));
      return converted.convertible && contentHash(redactSecrets(converted.value, matcher, key)) === wanted;
    };
  }
}

function stageInfo(stage: ReleaseStage, index: number): z.infer<typeof stageInfoSchema> {
  return {
    number: index + 1,
    name: stage.name,
    audience: stage.audience,
    percentage: stage.percentage,
    minDuration: stage.minDuration,
    advance: stage.advance ?? 'manual',
  };
}
