import type { Notifier } from '../notify/index.js';
import { LedgerProjection, WorkflowContext, type WorkflowDeps } from '../projections/index.js';
import { ChangeService } from '../changes/index.js';
import { ReleaseService } from '../releases/index.js';
import { BreakGlassService, exposureLedgerFold, type ExposureLedgerState } from './break-glass/index.js';
import { GuardrailService } from './guardrails/index.js';
import { PrometheusPuller, type PrometheusClientOptions, type PrometheusTemplate } from './prometheus/index.js';
import { ReviewDueService } from './review-due/index.js';
import { ExposureScheduler, type ExposureJobQueue } from './scheduler/index.js';

/** What staged exposure needs besides the workflow's own dependencies. */
export interface ExposureOptions {
  readonly deps: WorkflowDeps;
  /** Delayed jobs: BullMQ on Redis, timers in the embedded mode. */
  readonly queue: ExposureJobQueue;
  /** Where review-date and post-review notices go (Slack-compatible); none sent without it. */
  readonly notifier?: Notifier;
  /** Prometheus to pull guardrail metrics from, and how often. */
  readonly prometheus?: {
    readonly client: PrometheusClientOptions;
    readonly intervalMs: number;
    /** The operator's query templates, by name (a plan names one; it never writes PromQL). */
    readonly templates?: Readonly<Record<string, PrometheusTemplate>>;
  };
  /** How often the ledger is swept for due jobs and notices; default 5 s. */
  readonly sweepIntervalMs?: number;
}

/**
 * Staged exposure (issue 7) in one place: guardrail signals and their holds and rollbacks, the Prometheus pull,
 * automatic stage advance, break-glass with expiry and post-review, and review dates. Shares the governance
 * workflow's ledger, projections, locks and policy; its own services are stateless apart from the exposure
 * projection of break-glass uses and sent notices.
 */
export class ExposureService {
  readonly guardrails: GuardrailService;
  readonly breakGlass: BreakGlassService;
  readonly reviewDue: ReviewDueService;
  readonly scheduler: ExposureScheduler;
  readonly puller: PrometheusPuller | undefined;

  constructor(options: ExposureOptions) {
    const { deps } = options;
    const context = new WorkflowContext(deps);
    const changes = new ChangeService(context);
    const releases = new ReleaseService(context, changes);
    const state: LedgerProjection<ExposureLedgerState> = new LedgerProjection(deps.ledger, exposureLedgerFold);
    this.guardrails = new GuardrailService(deps, changes, releases);
    this.breakGlass = new BreakGlassService(deps, state);
    this.reviewDue = new ReviewDueService(deps, state, options.notifier);
    this.puller = options.prometheus
      ? new PrometheusPuller(
          deps.projections,
          this.guardrails,
          options.prometheus.client,
          deps.logger,
          options.prometheus.templates,
        )
      : undefined;
    this.scheduler = new ExposureScheduler({
      projections: deps.projections,
      exposure: state,
      releases,
      guardrails: this.guardrails,
      breakGlass: this.breakGlass,
      reviewDue: this.reviewDue,
      queue: options.queue,
      ...(this.puller ? { puller: this.puller, pullIntervalMs: options.prometheus!.intervalMs } : {}),
      sweepIntervalMs: options.sweepIntervalMs ?? 5000,
      logger: deps.logger,
    });
  }

  /** Starts the scheduler (delayed jobs, sweeps, pulls). */
  start(): Promise<void> {
    return this.scheduler.start();
  }

  /** Stops the scheduler and its queue. */
  close(): Promise<void> {
    return this.scheduler.close();
  }
}
