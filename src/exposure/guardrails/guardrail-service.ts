import { breaks, ChangeStatus, GuardrailAction } from '../../change/index.js';
import { ConflictError } from '../../errors/index.js';
import { actorOf, type Principal } from '../../identity/index.js';
import { LedgerEventType } from '../../ledger/index.js';
import { changeSubject, SignalSource, type GuardrailBreach } from '../../projections/index.js';
import { WorkflowContext, type ChangeService, type ReleaseService, type WorkflowDeps } from '../../workflow/index.js';
import { servicePrincipal, ServiceActorId } from '../service-actors.js';
import { breachesOf, describeBreach, type ObservedValue } from './guardrail-evaluation.js';
import { GuardrailOutcome, type GuardrailStatus, type SignalsRequest, type SignalsResult } from './signals-request.js';

/** Statuses in which a change's candidate is exposed, so its guardrails are watched. */
const WATCHED: ReadonlySet<ChangeStatus> = new Set([ChangeStatus.Releasing, ChangeStatus.Held, ChangeStatus.Completed]);

/**
 * Guardrails of staged exposure: records metric values for a change (`guardrail.signal-recorded`, from the API or
 * a Prometheus pull), checks them against the release plan's `holdIf` conditions, records every breach with the
 * value that caused it (`guardrail.breached`), and acts: a `rollback` breach rolls the release back to the plan's
 * rollback value at once; a `hold` breach holds a releasing change. Both actions are recorded as featgate's
 * guardrail identity, with the breach in the entry. A change that is not exposed takes no signals.
 */
export class GuardrailService {
  private readonly context: WorkflowContext;

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly changes: ChangeService,
    private readonly releases: ReleaseService,
  ) {
    this.context = new WorkflowContext(deps);
  }

  /** Records a batch of signals for a change and applies what its guardrails decide. */
  async recordSignals(principal: Principal, key: string, request: SignalsRequest, source = SignalSource.Api): Promise<SignalsResult> {
    const now = this.context.nowIso();
    const { breaches, status } = await this.changes.withChange(key, async (state) => {
      if (!WATCHED.has(state.status)) {
        throw new ConflictError(`change ${key} is ${state.status}; signals are recorded while its candidate is exposed (releasing, held or completed)`);
      }
      const actor = actorOf(principal);
      const subject = changeSubject(key);
      const batch: Record<string, ObservedValue> = {};
      for (const signal of request.signals) {
        const observedAt = signal.observedAt ?? now;
        await this.context.append(LedgerEventType.SignalRecorded, actor, subject, {
          changeKey: key,
          metric: signal.metric,
          value: signal.value,
          source,
          observedAt,
          ...(state.stageIndex !== undefined ? { stageIndex: state.stageIndex } : {}),
        });
        batch[signal.metric] = { value: signal.value, observedAt };
      }
      const found = breachesOf(state.record.release.holdIf, batch);
      for (const breach of found) {
        await this.context.append(LedgerEventType.GuardrailBreached, actor, subject, {
          changeKey: key,
          breach,
          observedAt: batch[breach.metric]!.observedAt,
          ...(state.stageIndex !== undefined ? { stageIndex: state.stageIndex } : {}),
        });
      }
      return { breaches: found, status: state.status };
    });
    const outcome = await this.act(key, breaches, status);
    return { recorded: request.signals.length, breaches, outcome, change: await this.changes.getChange(key) };
  }

  /** Each `holdIf` condition of a change with its latest value. */
  async status(key: string): Promise<GuardrailStatus> {
    const change = await this.changes.getChange(key);
    const signals = this.deps.projections.changes.changes.get(key)?.signals ?? {};
    return {
      changeKey: key,
      conditions: change.record.release.holdIf.map((condition) => {
        const latest = signals[condition.metric];
        return {
          metric: condition.metric,
          operator: condition.operator,
          threshold: condition.threshold,
          action: condition.action ?? GuardrailAction.Hold,
          window: condition.window ?? null,
          pulled: condition.query !== undefined,
          state: latest === undefined ? 'no-data' : breaks(condition, latest.value) ? 'breached' : 'healthy',
          latest: latest ? { value: latest.value, observedAt: latest.observedAt, source: latest.source } : null,
        };
      }),
    };
  }

  private async act(key: string, breaches: readonly GuardrailBreach[], status: ChangeStatus): Promise<GuardrailOutcome> {
    const decisive = breaches[0];
    if (!decisive) return GuardrailOutcome.Healthy;
    const principal = servicePrincipal(ServiceActorId.Guardrails);
    const reason = `guardrail breached: ${describeBreach(decisive)}`;
    try {
      if (decisive.action === GuardrailAction.Rollback) {
        await this.releases.rollback(principal, key, { reason }, decisive);
        return GuardrailOutcome.RolledBack;
      }
      if (status !== ChangeStatus.Releasing) return GuardrailOutcome.Recorded;
      await this.releases.hold(principal, key, { reason }, decisive);
      return GuardrailOutcome.Held;
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.deps.logger.info({ changeKey: key, err: error.message }, 'guardrail action not applicable');
      return GuardrailOutcome.Recorded;
    }
  }
}
