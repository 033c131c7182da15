import { Option, type Command } from 'commander';
import {
  clientFrom,
  readBodyFile,
  runApiCommand,
  withApiOptions,
  type ApiCommandOptions,
} from '../api-client/index.js';
import { ApiProblemError } from '../api-client/api-problem-error.js';
import {
  renderChange,
  renderChangeDetail,
  renderChangeLine,
  type ChangeSummary,
  type TimelineEntry,
} from './render-change.js';

interface ListOptions extends ApiCommandOptions {
  readonly status?: string;
  readonly tier?: string;
  readonly flag?: string;
  readonly owner?: string;
  readonly waitingOnMe?: boolean;
}

interface WithdrawOptions extends ApiCommandOptions {
  readonly reason: string;
}

/** Adds `featgate change create|edit|show|list|withdraw`, which call the governance API. */
export function registerChangeCommands(program: Command): void {
  const group = program.command('change').description('Open, edit and inspect change records');
  withApiOptions(group.command('create').argument('<file>', 'change record, YAML or JSON (- for stdin)'))
    .description('Open a change record; prints its tier and what it needs')
    .action(async (file: string, options: ApiCommandOptions) => {
      const client = clientFrom(options);
      await runApiCommand(options, () => client.post<ChangeSummary>('/v1/changes', readBodyFile(file)), renderChange);
    });
  withApiOptions(
    group.command('edit').argument('<key>', 'change key').argument('<file>', 'the whole edited record, YAML or JSON'),
  )
    .description('Replace a change record; an edit after a review resets every approval')
    .action(async (key: string, file: string, options: ApiCommandOptions) => {
      const client = clientFrom(options);
      await runApiCommand(
        options,
        () => client.put<ChangeSummary>(`/v1/changes/${encodeURIComponent(key)}`, readBodyFile(file)),
        renderChange,
      );
    });
  withApiOptions(group.command('show').argument('<key>', 'change key'))
    .description(
      'Show a change: requester, a diff of every value, decision and what is missing, stages, reviews and timeline',
    )
    .action(async (key: string, options: ApiCommandOptions) => {
      const client = clientFrom(options);
      const path = `/v1/changes/${encodeURIComponent(key)}`;
      await runApiCommand(
        options,
        async () => {
          const change = await client.get<ChangeSummary>(path);
          const timeline = await client.get<{ entries: TimelineEntry[] }>(`${path}/timeline`).then(
            (answer) => answer.entries,
            (error: unknown) =>
              error instanceof ApiProblemError && error.status < 500
                ? `not shown: ${error.message}`
                : Promise.reject(error),
          );
          return { ...change, timeline };
        },
        ({ timeline, ...change }) => renderChangeDetail(change, timeline),
      );
    });
  withApiOptions(group.command('withdraw').argument('<key>', 'change key'))
    .description(
      'Close a change that has not been released (its requester or an admin); roll back a released one instead',
    )
    .requiredOption('--reason <text>', 'why it is withdrawn')
    .action(async (key: string, options: WithdrawOptions) => {
      const client = clientFrom(options);
      await runApiCommand(
        options,
        () => client.post<ChangeSummary>(`/v1/changes/${encodeURIComponent(key)}/withdraw`, { reason: options.reason }),
        renderChange,
      );
    });
  withApiOptions(group.command('list'))
    .description('List change records')
    .addOption(new Option('--status <status>', 'only this status'))
    .addOption(new Option('--tier <tier>', 'only this risk tier'))
    .addOption(new Option('--flag <key>', 'only changes touching this flag'))
    .addOption(new Option('--owner <owner>', 'only this owner'))
    .option('--waiting-on-me', 'only changes waiting for my review')
    .action(async (options: ListOptions) => {
      const client = clientFrom(options);
      const query = {
        status: options.status,
        tier: options.tier,
        flag: options.flag,
        owner: options.owner,
        waitingOnMe: options.waitingOnMe ? 'true' : undefined,
      };
      await runApiCommand(
        options,
        () => client.get<{ items: ChangeSummary[] }>('/v1/changes', query),
        (result) => (result.items.length === 0 ? 'no changes' : result.items.map(renderChangeLine).join('\n')),
      );
    });
}
