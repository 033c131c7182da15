import { ChangeStatus, durationMs } from '../../changes/model/index.js';
import { ConflictError, PolicyViolationError } from '../../errors/index.js';
import type { Logger } from '../../logging/index.js';
import type { LedgerProjection, LedgerProjections } from '../../projections/index.js';
import type { ReleaseService } from '../../releases/index.js';
import { BreakGlassStatus, type BreakGlassService, type ExposureLedgerState } from '../break-glass/index.js';
import type { GuardrailService } from '../guardrails/index.js';
import type { PrometheusPuller } from '../prometheus/index.js';
import type { ReviewDueService } from '../review-due/index.js';
import { servicePrincipal, ServiceActorId } from '../service-actors.js';
import { DelayedJobKind, type DelayedJob, type ExposureJobQueue } from './delayed-job-queue.js';

/** What the scheduler runs, and how often. */
export interface ExposureSchedulerOptions {
  readonly projections: LedgerProjections;
  readonly exposure: LedgerProjection<ExposureLedgerState>;
  readonly releases: ReleaseService;
  /** Comparative guardrails an automatic advance waits for (minimum sample, healthy comparison). */
  readonly guardrails?: GuardrailService;
  readonly breakGlass: BreakGlassService;
  readonly reviewDue: ReviewDueService;
  readonly queue: ExposureJobQueue;
  readonly puller?: PrometheusPuller;
  /** How often the ledger is swept for due jobs and review notices. */
  readonly sweepIntervalMs: number;
  /** How often Prometheus is pulled (when a puller is given). */
  readonly pullIntervalMs?: number;
  readonly logger: Logger;
}

/**
 * Time-driven exposure work. Every sweep derives from the ledger what must happen at a set time and schedules it
 * as a delayed job (idempotent per job id, so every process may sweep): the next stage of a change whose applied
 * stage says `advance: auto` (at the applied time plus its minimum duration), and the expiry of each active
 * break-glass use. The sweep also sends owed review-date notices. A job re-checks everything under the change's
 * (or flag's) lock when it runs: an auto-advance that a hold, a breached guardrail or missing evidence refuses
 * does nothing and is scheduled again by a later sweep, so it proceeds once the guardrails are healthy. A plan with
 * comparative guardrails advances only once each of them is healthy over the stage (both arms at the minimum sample
 * and the candidate shown not worse beyond the margin); those numbers are recorded (`guardrail.compared`) right
 * before the stage is applied.
 */
export class ExposureScheduler {
  private sweepTimer: NodeJS.Timeout | undefined;
  private pullTimer: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private pulling: Promise<unknown> | undefined;
  private closed = false;

  constructor(private readonly options: ExposureSchedulerOptions) {}

  /** Starts the job worker, sweeps once, and keeps sweeping (and pulling) on the intervals. */
  async start(): Promise<void> {
    await this.options.queue.start((job) => this.run(job));
    await this.sweep();
    this.sweepTimer = setInterval(() => void this.sweep(), this.options.sweepIntervalMs);
    this.sweepTimer.unref();
    if (this.options.puller && this.options.pullIntervalMs) {
      const puller = this.options.puller;
      this.pullTimer = setInterval(() => {
        this.pulling ??= puller.pullOnce().finally(() => (this.pulling = undefined));
      }, this.options.pullIntervalMs);
      this.pullTimer.unref();
    }
  }

  /** One sweep (one at a time; a call during a sweep shares it). */
  sweep(): Promise<void> {
    this.sweeping ??= this.sweepOnce()
      .catch((error: unknown) => this.options.logger.error({ err: (error as Error).message }, 'exposure sweep failed'))
      .finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  /** Stops sweeping and pulling, and closes the queue (waiting for running jobs). */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    clearInterval(this.pullTimer);
    await Promise.allSettled([this.sweeping, this.pulling]);
    await this.options.queue.close();
  }

  private async sweepOnce(): Promise<void> {
    if (this.closed) return;
    const { projections, exposure, queue } = this.options;
    await projections.catchUp();
    for (const job of dueJobs(projections, await exposure.current()))
      await queue.enqueue(job, { runAt: Date.parse(job.runAt) });
    await this.options.reviewDue.notifyDue();
  }

  private async run(job: DelayedJob): Promise<void> {
    if (job.kind === DelayedJobKind.BreakGlassExpiry) {
      await this.options.breakGlass.expire(job.subject);
      return;
    }
    const from = job.fromStageIndex;
    if (from === undefined) return;
    const guardrails = this.options.guardrails;
    const waiting = guardrails ? await guardrails.advanceRefusal(job.subject, from) : undefined;
    if (waiting) {
      this.options.logger.info(
        { changeKey: job.subject, reason: waiting },
        'auto-advance waits for healthy comparisons; it is tried again on a later sweep',
      );
      return;
    }
    const grounds = guardrails ? await guardrails.recordAdvanceGrounds(job.subject) : '';
    const comment = `advanced automatically after the minimum duration${grounds ? `; ${grounds}` : ''}`;
    try {
      await this.options.releases.applyStage(
        servicePrincipal(ServiceActorId.AutoAdvance),
        job.subject,
        { stage: from + 2, comment },
        { automaticFrom: from },
      );
    } catch (error) {
      if (!(error instanceof ConflictError) && !(error instanceof PolicyViolationError)) throw error;
      this.options.logger.info(
        { changeKey: job.subject, err: error.message },
        'auto-advance refused; it is tried again on a later sweep',
      );
    }
  }
}

/** The delayed jobs the ledger calls for now. Pure apart from reading the projections. */
export function dueJobs(projections: LedgerProjections, exposure: ExposureLedgerState): DelayedJob[] {
  const jobs: DelayedJob[] = [];
  for (const state of projections.changes.changes.values()) {
    if (state.status !== ChangeStatus.Releasing || state.stageIndex === undefined || !state.stageAppliedAt) continue;
    const stages = state.record.release.stages;
    const stage = stages[state.stageIndex];
    if (!stage || stage.advance !== 'auto' || state.stageIndex + 1 >= stages.length) continue;
    jobs.push({
      id: `advance.${state.key}.${state.stageIndex}`,
      kind: DelayedJobKind.AutoAdvance,
      subject: state.key,
      fromStageIndex: state.stageIndex,
      runAt: new Date(Date.parse(state.stageAppliedAt) + durationMs(stage.minDuration)).toISOString(),
    });
  }
  for (const record of exposure.breakGlass.values()) {
    // Any use not ended yet, an approved one too (its end may have been cut short by a crash): expiry ends it.
    if (record.status === BreakGlassStatus.Ended) continue;
    jobs.push({
      id: `expire.${record.used.id}`,
      kind: DelayedJobKind.BreakGlassExpiry,
      subject: record.used.id,
      runAt: record.used.expiresAt,
    });
  }
  return jobs;
}
