import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';
import type { ReleaseStatus } from '../../releases/index.js';
import { renderChange, type ChangeSummary } from './render-change.js';
import { renderReleaseStatus, renderServed, type GuardrailLine } from './render-release.js';

interface ReleaseOptions extends ApiCommandOptions {
  readonly stage?: string;
  readonly reason?: string;
  readonly comment?: string;
}

/** Adds `featgate release status|apply-stage|hold|resume|rollback`; featgate writes FeatBit as its own identity. */
export function registerReleaseCommands(program: Command): void {
  const group = program.command('release').description('Ramp approved changes through their release stages');
  const path = (key: string, action: string) => `/v1/changes/${encodeURIComponent(key)}/release/${action}`;
  withApiOptions(group.command('apply-stage').argument('<key>', 'change key'))
    .description('Apply the next stage of an approved change (or --stage N, 1-based)')
    .option('--stage <n>', 'stage number, 1-based')
    .option('--comment <text>', 'comment recorded with the stage')
    .action(async (key: string, options: ReleaseOptions) => {
      const body = {
        ...(options.stage !== undefined ? { stage: Number(options.stage) } : {}),
        ...(options.comment ? { comment: options.comment } : {}),
      };
      const client = clientFrom(options);
      await runApiCommand(
        options,
        async () => {
          const change = await client.post<ChangeSummary>(path(key, 'apply-stage'), body);
          return {
            ...change,
            exposure: await client.get<ReleaseStatus>(`/v1/changes/${encodeURIComponent(key)}/release`),
          };
        },
        ({ exposure, ...change }) => [renderChange(change), ...renderServed(exposure)].join('\n'),
      );
    });
  withApiOptions(group.command('status').argument('<key>', 'change key'))
    .description(
      'Where a release is: applied and next stage, what the next one waits for, what FeatBit serves now, guardrails',
    )
    .action(async (key: string, options: ApiCommandOptions) => {
      const client = clientFrom(options);
      const changePath = `/v1/changes/${encodeURIComponent(key)}`;
      await runApiCommand(
        options,
        async () => {
          const [release, guardrails] = await Promise.all([
            client.get<ReleaseStatus>(`${changePath}/release`),
            client.get<{ conditions: GuardrailLine[] }>(`${changePath}/guardrails`),
          ]);
          return { ...release, guardrails: guardrails.conditions };
        },
        ({ guardrails, ...release }) => renderReleaseStatus(release, guardrails),
      );
    });
  withApiOptions(group.command('hold').argument('<key>', 'change key'))
    .description('Pause ramping; the current stage stays applied')
    .requiredOption('--reason <text>', 'why')
    .action(async (key: string, options: ReleaseOptions) => {
      await runApiCommand(
        options,
        () => clientFrom(options).post<ChangeSummary>(path(key, 'hold'), { reason: options.reason }),
        renderChange,
      );
    });
  withApiOptions(group.command('resume').argument('<key>', 'change key'))
    .description('Resume a held release')
    .option('--comment <text>', 'comment')
    .action(async (key: string, options: ReleaseOptions) => {
      const body = options.comment ? { comment: options.comment } : {};
      await runApiCommand(
        options,
        () => clientFrom(options).post<ChangeSummary>(path(key, 'resume'), body),
        renderChange,
      );
    });
  withApiOptions(group.command('rollback').argument('<key>', 'change key'))
    .description('Roll FeatBit back to the baseline the change started from')
    .requiredOption('--reason <text>', 'why')
    .action(async (key: string, options: ReleaseOptions) => {
      await runApiCommand(
        options,
        () => clientFrom(options).post<ChangeSummary>(path(key, 'rollback'), { reason: options.reason }),
        renderChange,
      );
    });
}
