import type { LedgerEntry, LedgerVerification } from '../ledger/index.js';
import { changeKeyOf } from './projection/index.js';
import type { AuditQuery } from './audit-query.js';
import type { WorkflowContext } from '../projections/index.js';

/** Most ledger entries one audit request reads, so a query that matches little cannot make a request scan the ledger. */
export const AUDIT_READ_BUDGET = 10_000;
const PAGE = 1000;

/** One page of an audit query. */
export interface AuditPage {
  /** Matching entries, oldest first, at most `limit`. */
  readonly entries: LedgerEntry[];
  /**
   * Where to continue: pass it as `afterSeq` for the next page. Null when every entry appended so far was
   * considered; set when `limit` entries were found or the read budget ran out first (the page may then be short).
   */
  readonly nextAfterSeq: number | null;
}

/** Audit queries over the ledger (by change, flag, actor, type and time) and chain verification. */
export class AuditService {
  /** `readBudget`: most entries one page reads (AUDIT_READ_BUDGET unless a test needs a small one). */
  constructor(
    private readonly context: WorkflowContext,
    private readonly readBudget = AUDIT_READ_BUDGET,
  ) {}

  /**
   * One bounded page of entries after `afterSeq` matching every given filter. A query by change, flag, actor or
   * type reads only the entries the projections' index names; other queries scan forward from `afterSeq`. Either way at
   * most the read budget of entries is read.
   */
  async page(query: AuditQuery): Promise<AuditPage> {
    const { projections } = this.context.deps;
    await projections.catchUp();
    const candidates = projections.audit.candidates(query, query.afterSeq);
    return candidates ? this.readCandidates(query, candidates) : this.scan(query);
  }

  /** Every matching entry after `afterSeq` up to `limit`, following pages (for callers inside the service). */
  async query(query: AuditQuery): Promise<LedgerEntry[]> {
    const found: LedgerEntry[] = [];
    let afterSeq = query.afterSeq;
    for (;;) {
      const page = await this.page({ ...query, afterSeq, limit: query.limit - found.length });
      found.push(...page.entries);
      if (page.nextAfterSeq === null || found.length >= query.limit) return found;
      afterSeq = page.nextAfterSeq;
    }
  }

  /** Recomputes every hash and link of the ledger. */
  verify(): Promise<LedgerVerification> {
    return this.context.deps.ledger.verify();
  }

  private async readCandidates(query: AuditQuery, candidates: readonly number[]): Promise<AuditPage> {
    const matches = matcher(query);
    const found: LedgerEntry[] = [];
    const budget = Math.min(candidates.length, this.readBudget);
    const chunk = query.from || query.to ? PAGE : Math.min(PAGE, query.limit);
    for (let start = 0; start < budget; start += chunk) {
      const entries = await this.context.deps.ledger.readSeqs(candidates.slice(start, Math.min(start + chunk, budget)));
      for (const entry of entries) {
        if (!matches(entry)) continue;
        found.push(entry);
        if (found.length >= query.limit) return { entries: found, nextAfterSeq: entry.seq };
      }
    }
    return { entries: found, nextAfterSeq: budget < candidates.length ? candidates[budget - 1]! : null };
  }

  private async scan(query: AuditQuery): Promise<AuditPage> {
    const matches = matcher(query);
    const found: LedgerEntry[] = [];
    let afterSeq = query.afterSeq;
    for (let read = 0; read < this.readBudget;) {
      const requested = Math.min(PAGE, this.readBudget - read);
      const entries = await this.context.deps.ledger.readAfter(afterSeq, requested);
      for (const entry of entries) {
        if (!matches(entry)) continue;
        found.push(entry);
        if (found.length >= query.limit) return { entries: found, nextAfterSeq: entry.seq };
      }
      if (entries.length < requested) return { entries: found, nextAfterSeq: null };
      read += entries.length;
      afterSeq = entries[entries.length - 1]!.seq;
    }
    return { entries: found, nextAfterSeq: afterSeq };
  }
}

function matcher(query: AuditQuery): (entry: LedgerEntry) => boolean {
  const from = query.from ? Date.parse(query.from) : undefined;
  const to = query.to ? Date.parse(query.to) : undefined;
  return (entry) => {
    if (query.change && entry.subject !== `change:${query.change}` && changeKeyOf(entry) !== query.change) return false;
    if (query.flag) {
      const flagSubject = query.flag.includes('/')
        ? entry.subject === `flag:${query.flag}`
        : entry.subject.startsWith('flag:') && entry.subject.endsWith(`/${query.flag}`);
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
