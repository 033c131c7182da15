import { resolveGovernedFlag } from '../../../policies/index.js';
import {
  breaks,
  ChangeStatus,
  EvidenceResult,
  EvidenceType,
  GuardrailAction,
  HoldOperator,
  isComparison,
  thresholdConditions,
} from '../../changes/model/index.js';
import { ConflictError, ForbiddenError } from '../../errors/index.js';
import { actorOf, type Principal } from '../../identity/index.js';
import { LedgerEventType } from '../../ledger/index.js';
import { changeSubject } from '../../ledger-events/index.js';
import { LedgerProjection, WorkflowContext, type WorkflowDeps } from '../../projections/index.js';
import { SignalSource, type GuardrailBreach } from '../model/index.js';
import type { ChangeRecordState } from '../../changes/projection/index.js';
import { isAuthor, type ChangeService } from '../../changes/index.js';
import type { ReleaseService } from '../../releases/index.js';
import { servicePrincipal, ServiceActorId } from '../service-actors.js';
import { EMPTY_ARM, mergeArms, type ArmSummary } from './arm-summary.js';
import { comparisonLooks, describeLook, type ComparisonLook } from './comparison-look.js';
import { breachesOf, describeBreach, type ObservedValue } from './guardrail-evaluation.js';
import { ComparisonVerdict } from './sequential-test.js';
import { GuardrailOutcome, type GuardrailStatus, type SignalsRequest, type SignalsResult } from './signals-request.js';
import type { TelemetryRequest, TelemetryResult } from './telemetry-request.js';
import { telemetryLedgerFold, type StageTelemetry, type TelemetryLedgerState } from './telemetry-state.js';

/** Statuses in which a change's candidate is exposed, so its guardrails are watched. */
const WATCHED: ReadonlySet<ChangeStatus> = new Set([ChangeStatus.Releasing, ChangeStatus.Held, ChangeStatus.Completed]);
/** Statuses in which telemetry is compared (a completed change has no baseline arm left to compare with). */
const COMPARED: ReadonlySet<ChangeStatus> = new Set([ChangeStatus.Releasing, ChangeStatus.Held]);

/** One flag's telemetry for one change, split by arm. */
interface ChangeBatch {
  evaluations: { candidate: number; baseline: number };
  metrics: Map<string, { candidate: ArmSummary; baseline: ArmSummary }>;
}

/**
 * Guardrails of staged exposure. Threshold conditions take metric values for a change (`guardrail.signal-recorded`,
 * from the API or an operator's Prometheus template); comparative conditions take the application's telemetry
 * (`guardrail.telemetry-recorded`, per arm) and compare candidate with baseline over the applied stage by a
 * sequential test (`compareArms`), recording each change of verdict with its numbers (`guardrail.compared`). Every
 * breach is recorded with what caused it (`guardrail.breached`) and acted on: `rollback` rolls the release back to
 * the plan's rollback value at once; `hold` holds a releasing change, both as featgate's guardrail identity. A
 * healthy comparison of every comparative condition attaches `guardrailMetrics` evidence (featgate's own, with the
 * numbers) and lets an `advance: auto` stage proceed. Signals and telemetry from an author of the change are
 * refused (issue 12): nobody reports on their own change.
 */
export class GuardrailService {
  private readonly context: WorkflowContext;
  private readonly telemetry: LedgerProjection<TelemetryLedgerState>;

  constructor(
    private readonly deps: WorkflowDeps,
    private readonly changes: ChangeService,
    private readonly releases: ReleaseService,
  ) {
    this.context = new WorkflowContext(deps);
    this.telemetry = new LedgerProjection(deps.ledger, telemetryLedgerFold);
  }

  /** Records a batch of signals for a change and applies what its guardrails decide. */
  async recordSignals(
    principal: Principal,
    key: string,
    request: SignalsRequest,
    source = SignalSource.Api,
  ): Promise<SignalsResult> {
    const now = this.context.nowIso();
    const { breaches, status } = await this.changes.withChange(key, async (state) => {
      if (!WATCHED.has(state.status)) {
        throw new ConflictError(
          `change ${key} is ${state.status}; signals are recorded while its candidate is exposed (releasing, held or completed)`,
        );
      }
      this.refuseAuthor(principal, state, 'signals');
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
      const found = breachesOf(thresholdConditions(state.record.release.holdIf), batch);
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

  /**
   * Records one telemetry batch of an application in environment `env`: each aggregate counts for the exposed
   * change (releasing or held, with a comparative condition) that writes its flag there, in the candidate arm when
   * the served value's hash is the candidate's and in the baseline arm when it is the approved baseline's; anything
   * else is ignored with the reason. Then every touched change is looked at and acted on. The whole batch is refused
   * (403) when the caller is an author of any change it would count for.
   */
  async recordTelemetry(principal: Principal, env: string, request: TelemetryRequest): Promise<TelemetryResult> {
    await this.deps.projections.catchUp();
    const arms = this.armIndex(env);
    const batches = new Map<string, Map<string, ChangeBatch>>();
    const ignored: { flagKey: string; reason: string }[] = [];
    let accepted = 0;
    for (const aggregate of request.aggregates) {
      const route = arms.get(`${aggregate.flagKey}\n${aggregate.valueHash}`);
      if (!route) {
        const known = [...arms.keys()].some((id) => id.startsWith(`${aggregate.flagKey}\n`));
        ignored.push({
          flagKey: aggregate.flagKey,
          reason: known
            ? 'the served value is neither the candidate nor the approved baseline of the exposed change'
            : `no change with a comparative guardrail exposes ${aggregate.flagKey} in ${env}`,
        });
        continue;
      }
      accepted += 1;
      const perFlag = batches.get(route.changeKey) ?? new Map<string, ChangeBatch>();
      batches.set(route.changeKey, perFlag);
      const batch = perFlag.get(aggregate.flagKey) ?? {
        evaluations: { candidate: 0, baseline: 0 },
        metrics: new Map(),
      };
      perFlag.set(aggregate.flagKey, batch);
      batch.evaluations[route.arm] += aggregate.evaluations;
      for (const [metric, totals] of Object.entries(aggregate.metrics)) {
        const pair = batch.metrics.get(metric) ?? { candidate: EMPTY_ARM, baseline: EMPTY_ARM };
        batch.metrics.set(metric, { ...pair, [route.arm]: mergeArms(pair[route.arm], totals) });
      }
    }
    for (const changeKey of batches.keys()) {
      const state = this.deps.projections.changes.changes.get(changeKey);
      if (state) this.refuseAuthor(principal, state, 'telemetry');
    }
    const changes: TelemetryResult['changes'] = [];
    for (const [changeKey, perFlag] of batches) {
      const result = await this.recordChangeTelemetry(principal, changeKey, perFlag);
      if (result) changes.push(result);
    }
    if (request.dropped > 0)
      this.deps.logger.warn(
        { env, dropped: request.dropped, principal: principal.id },
        'telemetry recorder dropped observations',
      );
    return { accepted, ignored: ignored.slice(0, 100), changes };
  }

  /**
   * Why auto-advance from stage `from` must wait, or undefined when every comparative condition is healthy over the
   * stage (each arm at its minimum sample and the candidate not worse beyond the margin). Threshold conditions and
   * evidence are checked by the stage checks themselves.
   */
  async advanceRefusal(key: string, from: number): Promise<string | undefined> {
    await this.deps.projections.catchUp();
    const state = this.deps.projections.changes.changes.get(key);
    if (!state || state.stageIndex !== from) return undefined;
    const looks = comparisonLooks(state.record, await this.stageTelemetry(state));
    const waiting = looks.filter((look) => look.comparison.verdict !== ComparisonVerdict.Healthy);
    return waiting.length > 0 ? waiting.map(describeLook).join('; ') : undefined;
  }

  /**
   * Records the looks that let an automatic advance proceed (`guardrail.compared`, as featgate's auto-advance
   * identity) right before it applies the next stage, so the ledger holds the numbers the advance rested on, and
   * returns them in words for the FeatBit comment.
   */
  async recordAdvanceGrounds(key: string): Promise<string> {
    return this.changes.withChange(key, async (state) => {
      if (state.stageIndex === undefined) return '';
      const looks = comparisonLooks(state.record, await this.stageTelemetry(state));
      const actor = actorOf(servicePrincipal(ServiceActorId.AutoAdvance));
      for (const look of looks) {
        await this.context.append(LedgerEventType.GuardrailCompared, actor, changeSubject(key), {
          changeKey: key,
          stageIndex: state.stageIndex,
          metric: look.condition.metric,
          comparison: look.comparison,
        });
      }
      return looks.map(describeLook).join('; ');
    });
  }

  /** Each `holdIf` condition of a change with its latest value, and each comparison with its numbers. */
  async status(key: string): Promise<GuardrailStatus> {
    const change = await this.changes.getChange(key);
    const state = this.deps.projections.changes.changes.get(key);
    const signals = state?.signals ?? {};
    const telemetry = state ? await this.stageTelemetry(state) : undefined;
    return {
      changeKey: key,
      conditions: thresholdConditions(change.record.release.holdIf).map((condition) => {
        const latest = signals[condition.metric];
        return {
          metric: condition.metric,
          operator: condition.operator,
          threshold: condition.threshold,
          action: condition.action ?? GuardrailAction.Hold,
          window: condition.window ?? null,
          pulled: condition.prometheus !== undefined,
          template: condition.prometheus?.template ?? null,
          state: latest === undefined ? 'no-data' : breaks(condition, latest.value) ? 'breached' : 'healthy',
          latest: latest ? { value: latest.value, observedAt: latest.observedAt, source: latest.source } : null,
        };
      }),
      comparisons: comparisonLooks(change.record, telemetry).map((look) => ({
        metric: look.condition.metric,
        worseIf: look.condition.worseIf,
        byMoreThan: look.condition.byMoreThan,
        action: look.condition.action ?? GuardrailAction.Hold,
        stageIndex: telemetry?.stageIndex ?? null,
        evaluations: telemetry?.evaluations ?? { candidate: 0, baseline: 0 },
        comparison: look.comparison,
      })),
    };
  }

  private async recordChangeTelemetry(
    principal: Principal,
    key: string,
    perFlag: ReadonlyMap<string, ChangeBatch>,
  ): Promise<TelemetryResult['changes'][number] | undefined> {
    const looked = await this.changes.withChange(key, async (state) => {
      if (!COMPARED.has(state.status) || state.stageIndex === undefined) return undefined;
      const stageIndex = state.stageIndex;
      const actor = actorOf(principal);
      const subject = changeSubject(key);
      for (const [flagKey, batch] of perFlag) {
        await this.context.append(LedgerEventType.TelemetryRecorded, actor, subject, {
          changeKey: key,
          stageIndex,
          flagKey,
          evaluations: batch.evaluations,
          metrics: Object.fromEntries(batch.metrics),
        });
      }
      const telemetry = await this.stageTelemetry(state);
      const looks = comparisonLooks(state.record, telemetry);
      const guardrails = servicePrincipal(ServiceActorId.Guardrails);
      const breaches: GuardrailBreach[] = [];
      for (const look of looks) {
        const previous = telemetry?.verdicts.get(look.condition.metric)?.verdict;
        const verdict = look.comparison.verdict;
        if (previous !== verdict) {
          await this.context.append(LedgerEventType.GuardrailCompared, actorOf(guardrails), subject, {
            changeKey: key,
            stageIndex,
            metric: look.condition.metric,
            comparison: look.comparison,
          });
        }
        // A breach is recorded when the verdict turns, and again on every look while the release still ramps (a
        // resumed release with the same numbers is held again).
        if (verdict !== ComparisonVerdict.Breached || (previous === verdict && state.status !== ChangeStatus.Releasing))
          continue;
        const breach = breachOfLook(look);
        await this.context.append(LedgerEventType.GuardrailBreached, actorOf(guardrails), subject, {
          changeKey: key,
          breach,
          observedAt: this.context.nowIso(),
          stageIndex,
        });
        breaches.push(breach);
      }
      breaches.sort((a, b) => rank(b.action) - rank(a.action));
      return { looks, breaches, status: state.status, revision: state.revision, evidenced: hasOwnEvidence(state) };
    });
    if (!looked) return undefined;
    const outcome = await this.act(key, looked.breaches, looked.status);
    const healthy =
      looked.looks.length > 0 && looked.looks.every((look) => look.comparison.verdict === ComparisonVerdict.Healthy);
    if (healthy && outcome === GuardrailOutcome.Healthy && !looked.evidenced)
      await this.attachEvidence(key, looked.looks);
    return {
      changeKey: key,
      outcome,
      comparisons: looked.looks.map((look) => ({ metric: look.condition.metric, comparison: look.comparison })),
    };
  }

  /** featgate's own `guardrailMetrics` evidence: what the policy's `expansion` requirement is filled with. */
  private async attachEvidence(key: string, looks: readonly ComparisonLook[]): Promise<void> {
    try {
      await this.changes.attachEvidence(servicePrincipal(ServiceActorId.Guardrails), key, {
        type: EvidenceType.GuardrailMetrics,
        result: EvidenceResult.Passed,
        summary: `featgate compared candidate with baseline over the applied stage: ${looks.map(describeLook).join('; ')}`,
      });
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
      this.deps.logger.info({ changeKey: key, err: error.message }, 'guardrail evidence not attached');
    }
  }

  /** Maps `flagKey\nvalueHash` to the change and arm it counts for, over the exposed changes in `env`. */
  private armIndex(env: string): Map<string, { changeKey: string; arm: 'candidate' | 'baseline' }> {
    const policy = this.deps.policy();
    const index = new Map<string, { changeKey: string; arm: 'candidate' | 'baseline' }>();
    for (const state of this.deps.projections.changes.changes.values()) {
      if (
        !COMPARED.has(state.status) ||
        state.stageIndex === undefined ||
        !state.record.release.holdIf.some(isComparison)
      )
        continue;
      for (const flag of state.record.flags) {
        const governance = resolveGovernedFlag(policy, state.record.environment, { key: flag.key });
        if (!governance.governed || (governance.environment.id !== env && governance.environment.name !== env))
          continue;
        // the outline's value hashes are `contentHash` of the values, so the index needs no record read back
        const candidate = flag.values.candidate.hash;
        const baseline = flag.values.baseline.hash;
        if (candidate === baseline) continue;
        index.set(`${flag.key}\n${candidate}`, { changeKey: state.key, arm: 'candidate' });
        index.set(`${flag.key}\n${baseline}`, { changeKey: state.key, arm: 'baseline' });
      }
    }
    return index;
  }

  private async stageTelemetry(state: ChangeRecordState): Promise<StageTelemetry | undefined> {
    const telemetry = (await this.telemetry.current()).changes.get(state.key);
    return telemetry && telemetry.stageIndex === state.stageIndex ? telemetry : undefined;
  }

  private refuseAuthor(principal: Principal, state: ChangeRecordState, what: string): void {
    if (!isAuthor(state.record, principal, this.context.identities)) return;
    throw new ForbiddenError(
      `${principal.id} is an author of ${state.key}: ${what} for a change are not accepted from its authors (report them from CI or a service that did not write the change)`,
    );
  }

  private async act(
    key: string,
    breaches: readonly GuardrailBreach[],
    status: ChangeStatus,
  ): Promise<GuardrailOutcome> {
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

/** The breach a breached look records: the worsening estimate against the margin, with every number. */
function breachOfLook(look: ComparisonLook): GuardrailBreach {
  return {
    metric: look.condition.metric,
    value: look.comparison.difference,
    operator: HoldOperator.Above,
    threshold: look.condition.byMoreThan,
    action: look.condition.action ?? GuardrailAction.Hold,
    comparison: look.comparison,
  };
}

/** Whether featgate's guardrails already vouched for the current revision. */
function hasOwnEvidence(state: ChangeRecordState): boolean {
  return state.evidence.some(
    (item) =>
      item.type === EvidenceType.GuardrailMetrics &&
      item.attachedBy === ServiceActorId.Guardrails &&
      item.revision === state.revision,
  );
}

function rank(action: GuardrailAction): number {
  return action === GuardrailAction.Rollback ? 1 : 0;
}
