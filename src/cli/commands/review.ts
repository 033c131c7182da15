import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';
import { renderChange, type ChangeSummary } from './render-change.js';

interface ReviewOptions extends ApiCommandOptions {
  readonly comment?: string;
  readonly revision?: string;
}

/** Adds `featgate review approve|reject`; the server decides whether the review counts. */
export function registerReviewCommands(program: Command): void {
  const group = program.command('review').description('Approve or reject change records');
  for (const decision of ['approve', 'reject'] as const) {
    const command = withApiOptions(group.command(decision).argument('<key>', 'change key')).description(
      decision === 'approve' ? 'Approve a change' : 'Reject a change (a comment is required)',
    );
    if (decision === 'reject') command.requiredOption('--comment <text>', 'why');
    else command.option('--comment <text>', 'comment', '');
    command.option(
      '--revision <n>',
      'the record revision you read (`featgate change show`); the service refuses the review if it was edited since',
    );
    command.action(async (key: string, options: ReviewOptions) => {
      const client = clientFrom(options);
      const path = `/v1/changes/${encodeURIComponent(key)}`;
      await runApiCommand(
        options,
        async () => {
          // Without --revision the review names the revision read just now, so an edit landing meanwhile is refused.
          const revision =
            options.revision !== undefined
              ? Number(options.revision)
              : (await client.get<{ revision: number }>(path)).revision;
          return client.post<ChangeSummary>(`${path}/reviews`, { decision, comment: options.comment ?? '', revision });
        },
        renderChange,
      );
    });
  }
}
