import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface ReviewDueOptions extends ApiCommandOptions {
  readonly asOf?: string;
  readonly upcoming?: boolean;
}

interface ReviewDueAnswer {
  readonly asOf: string;
  readonly items: readonly {
    kind: string;
    key: string;
    title: string;
    owner: string;
    dueAt: string;
    overdue: boolean;
    action: string;
  }[];
}

/** Adds `featgate review-due`: changes, temporary flags and break-glass post-reviews past their review date. */
export function registerReviewDueCommands(program: Command): void {
  withApiOptions(program.command('review-due'))
    .description('List changes and temporary flags past their review date, and overdue break-glass post-reviews')
    .option('--as-of <time>', 'judge at this ISO time instead of now')
    .option('--upcoming', 'also list items within the policy notice window')
    .action(async (options: ReviewDueOptions) => {
      await runApiCommand(
        options,
        () =>
          clientFrom(options).get<ReviewDueAnswer>('/v1/review-due', {
            asOf: options.asOf,
            upcoming: options.upcoming ? 'true' : undefined,
          }),
        (answer) =>
          answer.items.length === 0
            ? `nothing due for review as of ${answer.asOf}`
            : answer.items
                .map(
                  (item) =>
                    `${item.overdue ? 'DUE     ' : 'upcoming'} ${item.dueAt.slice(0, 10)} ${item.kind} ${item.key} (owner ${item.owner}): ${item.title}\n         ${item.action}`,
                )
                .join('\n'),
      );
    });
}
