import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface UseOptions extends ApiCommandOptions {
  readonly env: string;
  readonly flag: string;
  readonly incident?: string;
  readonly reason: string;
  readonly duration: string;
  readonly variation?: string;
  readonly value?: string;
}

interface ReviewOptions extends ApiCommandOptions {
  readonly approve?: boolean;
  readonly reject?: boolean;
  readonly comment?: string;
}

interface BreakGlassAnswer {
  readonly id: string;
  readonly flagKey: string;
  readonly status: string;
  readonly usedBy: string;
  readonly incidentReference: string | null;
  readonly expiresAt: string;
  readonly postReviewDueBy: string;
  readonly postReviewOutcome: string | null;
  readonly postReviewOverdue: boolean;
}

function render(answer: BreakGlassAnswer): string {
  const review =
    answer.postReviewOutcome ?? (answer.postReviewOverdue ? 'OVERDUE' : `due by ${answer.postReviewDueBy}`);
  return `${answer.id} ${answer.status} on ${answer.flagKey} by ${answer.usedBy}${answer.incidentReference ? ` (${answer.incidentReference})` : ''}; expires ${answer.expiresAt}; post-review: ${review}`;
}

/** Adds `featgate break-glass apply|review|end|list`: emergency changes with forced post-review. */
export function registerBreakGlassCommands(program: Command): void {
  const group = program
    .command('break-glass')
    .description(
      'Emergency changes without prior approval; one per flag, and every end restores the pre-incident approved state',
    );
  withApiOptions(group.command('apply'))
    .description(
      'Serve one variation (or value) of a governed flag to everyone now; needs a break-glass role of the policy',
    )
    .requiredOption('--env <env>', 'environment id or name')
    .requiredOption('--flag <key>', 'flag key')
    .option('--incident <ref>', 'incident reference')
    .requiredOption('--reason <text>', 'why')
    .requiredOption('--duration <d>', 'how long it lasts at most, e.g. 2h (at most the policy maximum)')
    .option('--variation <id>', 'existing variation id to serve')
    .option('--value <json>', 'value to serve (JSON); a variation is created when none holds it')
    .action(async (options: UseOptions) => {
      if ((options.variation === undefined) === (options.value === undefined)) {
        process.stderr.write('featgate: give exactly one of --variation or --value\n');
        process.exitCode = 1;
        return;
      }
      let serve: unknown;
      try {
        serve =
          options.variation !== undefined ? { variationId: options.variation } : { value: JSON.parse(options.value!) };
      } catch {
        process.stderr.write('featgate: --value must be JSON (quote strings: --value \'"text"\')\n');
        process.exitCode = 1;
        return;
      }
      const body = {
        environment: options.env,
        flagKey: options.flag,
        ...(options.incident ? { incidentReference: options.incident } : {}),
        reason: options.reason,
        duration: options.duration,
        serve,
      };
      await runApiCommand(options, () => clientFrom(options).post<BreakGlassAnswer>('/v1/break-glass', body), render);
    });
  withApiOptions(group.command('review').argument('<id>', 'break-glass id'))
    .description(
      'Post-review an emergency change; once concluded (approved: it was justified; rejected) it ends and the pre-incident state is back',
    )
    .option('--approve', 'approve')
    .option('--reject', 'reject (needs --comment)')
    .option('--comment <text>', 'comment')
    .action(async (id: string, options: ReviewOptions) => {
      if (Boolean(options.approve) === Boolean(options.reject)) {
        process.stderr.write('featgate: give exactly one of --approve or --reject\n');
        process.exitCode = 1;
        return;
      }
      const body = {
        decision: options.approve ? 'approve' : 'reject',
        ...(options.comment ? { comment: options.comment } : {}),
      };
      await runApiCommand(
        options,
        () => clientFrom(options).post<BreakGlassAnswer>(`/v1/break-glass/${encodeURIComponent(id)}/reviews`, body),
        render,
      );
    });
  withApiOptions(group.command('end').argument('<id>', 'break-glass id'))
    .description(
      'End an active emergency change now (the incident is over): the pre-incident approved state comes back',
    )
    .requiredOption('--reason <text>', 'why it ends')
    .action(async (id: string, options: ApiCommandOptions & { reason: string }) => {
      await runApiCommand(
        options,
        () =>
          clientFrom(options).post<BreakGlassAnswer>(`/v1/break-glass/${encodeURIComponent(id)}/end`, {
            reason: options.reason,
          }),
        render,
      );
    });
  withApiOptions(group.command('list'))
    .description('Every break-glass use, newest first; overdue post-reviews are marked')
    .action(async (options: ApiCommandOptions) => {
      await runApiCommand(
        options,
        () => clientFrom(options).get<{ items: BreakGlassAnswer[] }>('/v1/break-glass'),
        (answer) => (answer.items.length === 0 ? 'no break-glass use' : answer.items.map(render).join('\n')),
      );
    });
}
