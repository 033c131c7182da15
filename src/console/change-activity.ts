import { z } from 'zod';
import { LedgerEventType, type LedgerEntry } from '../ledger/index.js';
import { targetingInWords } from './targeting-in-words.js';

/** One step of a change's history as the console's pages show it: who did what and when, in words. */
export const activityItemSchema = z.object({
  seq: z.number().int(),
  type: z.string(),
  at: z.string(),
  actor: z.object({ id: z.string(), kind: z.string() }),
  summary: z.string(),
  /** A guardrail metric value, for the release page's chart. */
  signal: z.object({ metric: z.string(), value: z.number(), observedAt: z.string() }).optional(),
  /** For a proposal opened from a FeatBit edit: who edited, what kinds of change and the edited targeting in words. */
  edit: z
    .object({
      operator: z.string(),
      flagKey: z.string(),
      changes: z.array(z.string()),
      targeting: z.array(z.string()),
      /** When featgate saw the edit, and through which trigger (webhook, data-sync stream, reconciler). */
      seenAt: z.string().optional(),
      source: z.string().optional(),
      /** featgate's exposure verdict for each non-baseline variation (e.g. widened, narrowed, unchanged). */
      exposure: z.array(z.object({ variation: z.string(), verdict: z.string() })).default([]),
    })
    .optional(),
});
export type ActivityItem = z.infer<typeof activityItemSchema>;

type Data = Record<string, unknown>;
const text = (value: unknown): string =>
  typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value);
const record = (value: unknown): Data => (typeof value === 'object' && value !== null ? (value as Data) : {});

/** What each kind of entry says in words; kinds not listed are named by their type. */
const SUMMARIES: Partial<Record<string, (data: Data) => string>> = {
  [LedgerEventType.ChangeCreated]: () => 'opened the change',
  [LedgerEventType.ChangeEdited]: () => 'edited the change record',
  [LedgerEventType.ChangeClassified]: (data) =>
    `classified as ${text(data.tier)}${Array.isArray(data.reasons) ? `: ${data.reasons.map(text).join('; ')}` : ''}`,
  [LedgerEventType.ReviewSubmitted]: (data) => {
    const review = record(data.review);
    return `${review.decision === 'approve' ? 'approved' : 'rejected'}${review.comment ? `: ${text(review.comment)}` : ''}`;
  },
  [LedgerEventType.ApprovalsReset]: (data) => `approvals reset: ${text(data.reason)}`,
  [LedgerEventType.EvidenceAttached]: (data) => {
    const evidence = record(data.evidence);
    return `attached ${text(evidence.type)} evidence (${text(evidence.result)}): ${text(evidence.summary)}`;
  },
  [LedgerEventType.ChangeStatusChanged]: (data) =>
    `status ${text(data.status)}${data.reason ? `: ${text(data.reason)}` : ''}`,
  [LedgerEventType.StageApplied]: (data) => `applied stage ${Number(data.stageIndex) + 1} (${text(data.percentage)}%)`,
  [LedgerEventType.ReleaseHeld]: (data) => `held the release: ${text(data.reason)}`,
  [LedgerEventType.ReleaseResumed]: (data) => `resumed the release${data.reason ? `: ${text(data.reason)}` : ''}`,
  [LedgerEventType.ReleaseRolledBack]: (data) => `rolled back${data.reason ? `: ${text(data.reason)}` : ''}`,
  [LedgerEventType.ReleaseCompleted]: () => 'completed the release',
  [LedgerEventType.GuardrailBreached]: (data) => {
    const breach = record(data.breach);
    return `guardrail breached: ${text(breach.metric)} ${text(breach.value)} ${text(breach.operator)} ${text(breach.threshold)} (${text(breach.action)})`;
  },
  [LedgerEventType.SignalRecorded]: (data) =>
    `signal ${text(data.metric)} = ${text(data.value)} (${text(data.source)})`,
  [LedgerEventType.TelemetryRecorded]: (data) => {
    const evaluations = record(data.evaluations);
    return `telemetry for ${text(data.flagKey)}: ${text(evaluations.candidate)} candidate and ${text(evaluations.baseline)} baseline evaluations`;
  },
  [LedgerEventType.GuardrailCompared]: (data) => {
    const comparison = record(data.comparison);
    const candidate = record(comparison.candidate);
    const baseline = record(comparison.baseline);
    return `${text(data.metric)} ${text(comparison.verdict)}: candidate ${text(candidate.mean)} (n=${text(candidate.count)}) vs baseline ${text(baseline.mean)} (n=${text(baseline.count)}), worse by ${text(comparison.lower)} to ${text(comparison.upper)} against ${text(comparison.margin)}`;
  },
  [LedgerEventType.ApprovedStateSet]: (data) => `approved state of ${text(data.flagKey)} set`,
  [LedgerEventType.ProposalOpened]: (data) =>
    `opened a proposal from ${text(data.operator)}'s edit of ${text(data.flagKey)} in FeatBit`,
};

/**
 * A change's ledger entries as timeline items: the actor, the time and a sentence, never the entry's full data (a
 * reader of changes need not be an auditor; the audit page shows whole entries to those who may read the ledger).
 */
export function activityOf(entries: readonly LedgerEntry[], intercepted?: LedgerEntry): ActivityItem[] {
  return entries.map((entry) => {
    const data = record(entry.data);
    const item: ActivityItem = {
      seq: entry.seq,
      type: entry.type,
      at: entry.at,
      actor: { id: entry.actor.id, kind: entry.actor.kind },
      summary: SUMMARIES[entry.type]?.(data) ?? entry.type,
    };
    if (entry.type === LedgerEventType.SignalRecorded && typeof data.value === 'number') {
      return {
        ...item,
        signal: { metric: text(data.metric), value: data.value, observedAt: text(data.observedAt) || entry.at },
      };
    }
    if (entry.type === LedgerEventType.ProposalOpened) {
      const changes = Array.isArray(data.changes) ? data.changes.map(text) : [];
      return {
        ...item,
        edit: {
          operator: text(data.operator),
          flagKey: text(data.flagKey),
          changes,
          targeting: targetingInWords(data.edited),
          ...interceptionOf(intercepted, data.edited),
        },
      };
    }
    return item;
  });
}

/** When and how featgate saw an intercepted edit, and its exposure verdict per variation (named as the edit names them). */
function interceptionOf(
  entry: LedgerEntry | undefined,
  edited: unknown,
): { seenAt?: string; source?: string; exposure: { variation: string; verdict: string }[] } {
  if (!entry) return { exposure: [] };
  const data = record(entry.data);
  const variations = Array.isArray(record(edited).variations)
    ? (record(edited).variations as unknown[]).map(record)
    : [];
  const nameOf = (id: string) => text(variations.find((variation) => variation.id === id)?.name) || id;
  const exposure = Object.entries(record(data.exposure)).map(([id, verdict]) => ({
    variation: nameOf(id),
    verdict: text(verdict),
  }));
  return { seenAt: entry.at, ...(typeof data.source === 'string' ? { source: data.source } : {}), exposure };
}
