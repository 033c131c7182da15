import { structuredPatch } from 'diff';

/** A change as the API returns it, in the parts the CLI prints for people. */
export interface ChangeSummary {
  readonly key: string;
  readonly status: string;
  readonly tier?: string;
  readonly title?: string;
  readonly requester?: string;
  readonly owner?: string;
  readonly record?: {
    readonly title?: string;
    readonly environment?: string;
    readonly flags?: readonly {
      readonly key: string;
      readonly surface?: string;
      readonly baseline: unknown;
      readonly candidate: unknown;
    }[];
    readonly release?: {
      readonly stages?: readonly {
        readonly name: string;
        readonly audience: string;
        readonly percentage: number;
        readonly minDuration: string;
      }[];
    };
  };
  readonly reviews?: readonly {
    readonly reviewer: string;
    readonly roles?: readonly string[];
    readonly decision: string;
    readonly comment?: string;
    readonly at?: string;
  }[];
  /** Attached evidence; `result` is featgate's verdict and `reason` says why (per metric in `metrics`). */
  readonly evidence?: readonly {
    readonly type: string;
    readonly result?: string;
    readonly summary?: string;
    readonly attachedBy?: string;
    readonly reason?: string;
    readonly metrics?: readonly { readonly metric: string; readonly passed: boolean; readonly reason: string }[];
  }[];
  readonly decision?: {
    readonly status?: string;
    readonly approvedBy?: readonly string[];
    readonly missing?: unknown;
    readonly reasons?: readonly string[];
  };
  readonly release?: {
    readonly stageIndex?: number | null;
    readonly stageCount?: number;
    readonly held?: boolean;
    readonly statusReason?: string | null;
  };
}

/** One entry of a change's timeline (`GET /v1/changes/{key}/timeline`). */
export interface TimelineEntry {
  readonly seq: number;
  readonly at: string;
  readonly type: string;
  readonly actor: string;
}

/** One line per change: key, status, tier and title. */
export function renderChangeLine(change: ChangeSummary): string {
  const title = change.title ?? change.record?.title ?? '';
  return `${change.key}\t${change.status}\ttier ${change.tier ?? '?'}\t${title}`;
}

/** A change with what it still needs and where its release is (what verbs that change it print). */
export function renderChange(change: ChangeSummary): string {
  const lines = [renderChangeLine(change)];
  const release = change.release;
  if (release && release.stageIndex !== undefined && release.stageIndex !== null) {
    lines.push(`stage ${release.stageIndex + 1}${release.stageCount ? ` of ${release.stageCount}` : ''} applied`);
  }
  for (const reason of change.decision?.reasons ?? []) lines.push(`- ${reason}`);
  return lines.join('\n');
}

/** Lays out label/value pairs with the values aligned. */
export function aligned(rows: readonly (readonly [string, string])[], indent = ''): string[] {
  const width = Math.max(...rows.map(([label]) => label.length));
  return rows.map(([label, value]) => `${indent}${`${label}:`.padEnd(width + 2)}${value}`);
}

/** A value as lines a person can diff: a string as its own lines, anything else as indented JSON. */
function valueLines(value: unknown): string {
  return typeof value === 'string' ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`;
}

/** The unified diff of a flag's baseline and candidate, `-` for what is served today and `+` for what the change serves. */
export function renderValueDiff(baseline: unknown, candidate: unknown, indent = '    '): string[] {
  const patch = structuredPatch('baseline', 'candidate', valueLines(baseline), valueLines(candidate), '', '', {
    context: 3,
  });
  if (patch.hunks.length === 0) return [`${indent}(candidate equals the baseline)`];
  return patch.hunks.flatMap((hunk) => [
    `${indent}@@ -${hunk.oldStart},${hunk.oldLines} +${hunk.newStart},${hunk.newLines} @@`,
    ...hunk.lines.filter((line) => !line.startsWith('\\')).map((line) => `${indent}${line}`),
  ]);
}

/**
 * Everything a person needs to judge a change in a terminal: who asked, what it changes (a diff per flag), the
 * decision and what is missing, the stages with the applied one marked, reviews, evidence and the timeline.
 */
export function renderChangeDetail(change: ChangeSummary, timeline: readonly TimelineEntry[] | string): string {
  const lines = [renderChangeLine(change), ''];
  lines.push(
    ...aligned([
      ['requester', change.requester ?? '?'],
      ['owner', change.owner ?? '?'],
      ['environment', change.record?.environment ?? '?'],
      [
        'decision',
        `${change.decision?.status ?? '?'}${change.decision?.approvedBy?.length ? ` (approved by ${change.decision.approvedBy.join(', ')})` : ''}`,
      ],
      ...(change.release?.statusReason ? ([['reason', change.release.statusReason]] as const) : []),
    ]),
  );
  for (const reason of change.decision?.reasons ?? []) lines.push(`  - ${reason}`);
  for (const flag of change.record?.flags ?? []) {
    lines.push(
      '',
      `flag ${flag.key}${flag.surface ? ` (${flag.surface})` : ''}`,
      ...renderValueDiff(flag.baseline, flag.candidate),
    );
  }
  const stages = change.record?.release?.stages ?? [];
  if (stages.length > 0) {
    const applied = change.release?.stageIndex ?? -1;
    lines.push('', 'stages');
    stages.forEach((stage, index) => {
      const mark = index <= applied ? (index === applied ? '*' : '+') : ' ';
      lines.push(
        `  ${mark} ${index + 1}. ${stage.name.padEnd(16)} ${`${stage.percentage}%`.padStart(4)} of ${stage.audience}, at least ${stage.minDuration}${index === applied ? '  <- applied' : ''}`,
      );
    });
  }
  lines.push('', 'reviews');
  if (!change.reviews?.length) lines.push('  none yet');
  for (const review of change.reviews ?? []) {
    lines.push(
      `  ${review.at ?? ''}  ${review.decision.padEnd(7)} ${review.reviewer}${review.roles?.length ? ` (${review.roles.join(', ')})` : ''}${review.comment ? `: ${review.comment}` : ''}`,
    );
  }
  if (change.evidence?.length) {
    lines.push('', 'evidence');
    for (const item of change.evidence) {
      lines.push(
        `  ${item.type.padEnd(16)} ${(item.result ?? '').padEnd(8)} ${item.summary ?? ''}${item.attachedBy ? ` (by ${item.attachedBy})` : ''}`,
      );
      if (item.reason) lines.push(`    featgate's check: ${item.reason}`);
      for (const metric of item.metrics ?? [])
        lines.push(`      ${metric.metric}: ${metric.passed ? 'meets' : 'fails'} ${metric.reason}`);
    }
  }
  lines.push('', 'timeline');
  if (typeof timeline === 'string') lines.push(`  ${timeline}`);
  else
    for (const entry of timeline)
      lines.push(`  ${String(entry.seq).padStart(6)}  ${entry.at}  ${entry.type.padEnd(28)} ${entry.actor}`);
  return lines.join('\n');
}
