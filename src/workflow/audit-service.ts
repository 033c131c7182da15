import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import type { AuditQuery } from './request-schemas.js';
import type { WorkflowContext } from './workflow-context.js';

const PAGE = 5000;

/** Audit queries over the ledger (by change, flag, actor, type and time) and chain verification. */
export class AuditService {
  constructor(private readonly context: WorkflowContext) {}

  /** Entries after `afterSeq` matching every given filter, oldest first, at most `limit`. */
  async query(query: AuditQuery): Promise<LedgerEntry[]> {
    const matches = matcher(query);
    const found: LedgerEntry[] = [];
    let afterSeq = query.afterSeq;
    for (;;) {
      const entries = await this.context.deps.ledger.readAfter(afterSeq, PAGE);
      for (const entry of entries) {
        if (matches(entry)) found.push(entry);
        if (found.length >= query.limit) return found;
      }
      if (entries.length < PAGE) return found;
      afterSeq = entries[entries.length - 1]!.seq;
    }
  }

  /** Recomputes every hash and link of the ledger. */
  verify(): Promise<LedgerVerification> {
    return this.context.deps.ledger.verify();
  }
}

function matcher(query: AuditQuery): (entry: LedgerEntry) => boolean {
  const from = query.from ? Date.parse(query.from) : undefined;
  const to = query.to ? Date.parse(query.to) : undefined;
  return (entry) => {
    if (query.change && entry.subject !== `change:${query.change}` && changeKeyOf(entry) !== query.change) return false;
    if (query.flag) {
      const flagSubject = query.flag.includes('/') ? entry.subject === `flag:${query.flag}` : entry.subject.startsWith('flag:') && entry.subject.endsWith(`/${query.flag}`);
      if (!flagSubject) return false;
    }
    if (query.actor && entry.actor.id !== query.actor) return false;
    if (query.type && entry.type !== query.type) return false;
    const at = Date.parse(entry.at);
    if (from !== undefined && at < from) return false;
    if (to !== undefined && at >= to) return false;
    return true;
  };
}

/** The change an entry belongs to: its `changeKey`, or that of the approved state it sets. */
function changeKeyOf(entry: LedgerEntry): string | undefined {
  const data = entry.data as { changeKey?: unknown; state?: { changeKey?: unknown } };
  if (typeof data.changeKey === 'string') return data.changeKey;
  if (typeof data.state?.changeKey === 'string') return data.state.changeKey;
  return undefined;
}
