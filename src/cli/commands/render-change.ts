/** The parts of a change as the API returns it that the CLI prints for people. */
export interface ChangeSummary {
  readonly key: string;
  readonly status: string;
  readonly tier?: string;
  readonly title?: string;
  readonly record?: { readonly title?: string };
  readonly decision?: { readonly status?: string; readonly missing?: unknown; readonly reasons?: readonly string[] };
  readonly release?: { readonly stageIndex?: number | null; readonly stageCount?: number };
}

/** One line per change: key, status, tier and title. */
export function renderChangeLine(change: ChangeSummary): string {
  const title = change.title ?? change.record?.title ?? '';
  return `${change.key}\t${change.status}\ttier ${change.tier ?? '?'}\t${title}`;
}

/** A change with what it still needs and where its release is. */
export function renderChange(change: ChangeSummary): string {
  const lines = [renderChangeLine(change)];
  const release = change.release;
  if (release && release.stageIndex !== undefined && release.stageIndex !== null) {
    lines.push(`stage ${release.stageIndex + 1}${release.stageCount ? ` of ${release.stageCount}` : ''} applied`);
  }
  for (const reason of change.decision?.reasons ?? []) lines.push(`- ${reason}`);
  return lines.join('\n');
}
