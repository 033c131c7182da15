import type { Command } from 'commander';
import { clientFrom, runApiCommand, withApiOptions, type ApiCommandOptions } from '../api-client/index.js';

interface JobsListOptions extends ApiCommandOptions {
  readonly limit?: string;
}

interface FailedJobView {
  readonly id: string;
  readonly key: string;
  readonly attemptsMade: number;
  readonly failedReason: string;
  readonly failedAt: string;
  readonly job: { readonly source: string; readonly operator?: string };
}

interface JobsView {
  readonly counts: {
    readonly waiting: number;
    readonly active: number;
    readonly delayed: number;
    readonly failed: number;
  };
  readonly failed: readonly FailedJobView[];
}

/** Renders queue sizes and one line per failed job. */
export function renderJobs(view: JobsView): string {
  const { waiting, active, delayed, failed } = view.counts;
  const lines = [`reconcile jobs: ${waiting} waiting, ${active} active, ${delayed} retrying, ${failed} failed`];
  for (const job of view.failed) {
    lines.push(
      `${job.id}  ${job.key}  ${job.attemptsMade} attempt(s), failed ${job.failedAt} (${job.job.source}): ${job.failedReason}`,
    );
  }
  return lines.join('\n');
}

/** Adds `featgate jobs list` and `featgate jobs retry <id>`: the webhook bridge's reconcile jobs that kept failing. */
export function registerJobsCommands(program: Command): void {
  const jobs = program
    .command('jobs')
    .description("The webhook bridge's reconcile jobs: sizes, failed jobs (kept until retried) and retry");
  withApiOptions(jobs.command('list'))
    .description('Show queue sizes and every job that exhausted its retries')
    .option('--limit <n>', 'most failed jobs to list (1-1000)', '100')
    .action(async (options: JobsListOptions) => {
      await runApiCommand(
        options,
        () => clientFrom(options).get<JobsView>('/v1/jobs', { limit: options.limit }),
        renderJobs,
      );
    });
  withApiOptions(jobs.command('retry').argument('<id>', 'id of a failed job (from `featgate jobs list`)'))
    .description('Queue a failed job again; the worker re-reads FeatBit and converges the flag')
    .action(async (id: string, options: ApiCommandOptions) => {
      await runApiCommand(
        options,
        () =>
          clientFrom(options).post<{ jobId: string; coalesced: boolean }>(
            `/v1/jobs/${encodeURIComponent(id)}/retry`,
            {},
          ),
        (outcome) =>
          outcome.coalesced
            ? `job ${id} folded into waiting job ${outcome.jobId}`
            : `job ${id} queued again as ${outcome.jobId}`,
      );
    });
}
