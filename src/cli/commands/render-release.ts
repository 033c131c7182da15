import type { ReleaseStatus } from '../../releases/index.js';
import { describeServedExposure } from '../../releases/index.js';
import { aligned } from './render-change.js';

/** One guardrail as `GET /v1/changes/{key}/guardrails` returns it, in the parts the CLI prints. */
export interface GuardrailLine {
  readonly metric: string;
  readonly state: string;
  readonly operator?: string;
  readonly threshold?: number;
  readonly latest?: { readonly value: number; readonly observedAt?: string } | null;
  readonly action?: string;
}

/** What FeatBit serves for each flag of a change, one line per targeting slot. */
export function renderServed(status: ReleaseStatus): string[] {
  return status.flags.flatMap((flag) => [
    `flag ${flag.flagKey}${flag.envId ? ` in ${flag.envId}` : ''}, as FeatBit serves it now:`,
    ...(flag.featbit
      ? describeServedExposure(flag.featbit).map((line) => `  ${line}`)
      : [`  ${flag.error ?? 'unknown'}`]),
  ]);
}

/** `featgate release status`: stages, what the next one waits for, FeatBit's real exposure and the guardrails. */
export function renderReleaseStatus(status: ReleaseStatus, guardrails: readonly GuardrailLine[]): string {
  const stage = (info: NonNullable<ReleaseStatus['currentStage']> | NonNullable<ReleaseStatus['nextStage']>) =>
    `${info.number} of ${status.stageCount}: ${info.name}, ${info.percentage}% of ${info.audience}`;
  const lines = aligned([
    ['change', `${status.key} (${status.status}${status.statusReason ? `: ${status.statusReason}` : ''})`],
    [
      'applied',
      status.currentStage
        ? `${stage(status.currentStage)}${status.currentStage.appliedAt ? ` since ${status.currentStage.appliedAt}` : ''}`
        : 'no stage yet',
    ],
    [
      'next',
      status.nextStage
        ? `${stage(status.nextStage)}; ${status.nextStage.waitingFor.length === 0 ? `may be applied now (${status.nextStage.advance})` : 'waits for:'}`
        : 'none: every stage is applied',
    ],
  ]);
  for (const reason of status.nextStage?.waitingFor ?? []) lines.push(`  - ${reason}`);
  lines.push('', ...renderServed(status), '', 'guardrails');
  if (guardrails.length === 0) lines.push('  none in the release plan');
  for (const guardrail of guardrails) {
    const latest = guardrail.latest
      ? `latest ${guardrail.latest.value}${guardrail.latest.observedAt ? ` at ${guardrail.latest.observedAt}` : ''}`
      : 'no data yet';
    lines.push(
      `  ${guardrail.metric.padEnd(20)} ${guardrail.state.padEnd(9)} ${guardrail.operator ?? ''} ${guardrail.threshold ?? ''}  ${latest}${guardrail.action ? `  (${guardrail.action})` : ''}`,
    );
  }
  return lines.join('\n');
}
