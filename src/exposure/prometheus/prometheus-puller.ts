import { ChangeStatus, thresholdConditions } from '../../changes/model/index.js';
import type { Logger } from '../../logging/index.js';
import { SignalSource } from '../model/index.js';
import type { LedgerProjections } from '../../projections/index.js';
import type { GuardrailService } from '../guardrails/index.js';
import { servicePrincipal, ServiceActorId } from '../service-actors.js';
import { queryPrometheus, type PrometheusClientOptions } from './prometheus-client.js';
import type { PrometheusTemplate } from './prometheus-template-config.js';
import { renderTemplate } from './prometheus-template.js';

/** What one pull round did. */
export interface PullRound {
  readonly recorded: number;
  readonly failures: readonly { readonly changeKey: string; readonly metric: string; readonly error: string }[];
}

/**
 * Pulls every guardrail metric whose condition names an operator template (`prometheus.template`) for every releasing or held change from Prometheus and feeds
 * the values through the guardrails (as featgate's Prometheus identity), so a breach holds or rolls back exactly
 * as a pushed signal would. A query that fails or has no data records nothing for that metric (a missing value
 * is never read as healthy or as a breach); failures are logged and returned.
 */
export class PrometheusPuller {
  constructor(
    private readonly projections: LedgerProjections,
    private readonly guardrails: GuardrailService,
    private readonly prometheus: PrometheusClientOptions,
    private readonly logger: Logger,
    private readonly templates: Readonly<Record<string, PrometheusTemplate>> = {},
  ) {}

  /** Runs one round over every exposed change. */
  async pullOnce(): Promise<PullRound> {
    await this.projections.catchUp();
    let recorded = 0;
    const failures: { changeKey: string; metric: string; error: string }[] = [];
    const principal = servicePrincipal(ServiceActorId.Prometheus);
    for (const state of [...this.projections.changes.changes.values()]) {
      if (state.status !== ChangeStatus.Releasing && state.status !== ChangeStatus.Held) continue;
      const signals: { metric: string; value: number; observedAt: string }[] = [];
      for (const condition of thresholdConditions(state.record.release.holdIf)) {
        if (!condition.prometheus || signals.some((signal) => signal.metric === condition.metric)) continue;
        try {
          // The template's owner wrote the PromQL; the plan only picks it and fills its declared parameters.
          const query = renderTemplate(this.templates, condition.prometheus, {
            changeKey: state.key,
            ...(condition.window ? { window: condition.window } : {}),
          });
          const sample = await queryPrometheus(this.prometheus, query);
          if (sample) signals.push({ metric: condition.metric, value: sample.value, observedAt: sample.observedAt });
        } catch (error) {
          const message = (error as Error).message;
          failures.push({ changeKey: state.key, metric: condition.metric, error: message });
          this.logger.warn(
            { changeKey: state.key, metric: condition.metric, err: message },
            'guardrail metric pull failed',
          );
        }
      }
      if (signals.length === 0) continue;
      try {
        await this.guardrails.recordSignals(principal, state.key, { signals }, SignalSource.Prometheus);
        recorded += signals.length;
      } catch (error) {
        failures.push({
          changeKey: state.key,
          metric: signals.map((signal) => signal.metric).join(','),
          error: (error as Error).message,
        });
      }
    }
    return { recorded, failures };
  }
}
