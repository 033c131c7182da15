import type { LedgerEntry } from '../../ledger/index.js';

/** The filters of an audit query the index can answer (as the query schema reads them: absent may be undefined). */
export interface IndexedAuditFilters {
  readonly change?: string | undefined;
  /** `<envId>/<flagKey>`, or a bare flag key for any environment. */
  readonly flag?: string | undefined;
  readonly actor?: string | undefined;
  readonly type?: string | undefined;
}

/**
 * Seqs of ledger entries by change, flag, actor and event type, kept in memory as the projections fold entries in, so an
 * audit query by any of them reads only the entries that can match instead of scanning the ledger. About one
 * number per entry and key; entries are only added, in seq order, so every list stays sorted.
 */
export class AuditIndex {
  private readonly byChange = new Map<string, number[]>();
  private readonly byFlag = new Map<string, number[]>();
  private readonly byFlagKey = new Map<string, number[]>();
  private readonly byActor = new Map<string, number[]>();
  private readonly byType = new Map<string, number[]>();
  /** Entries up to this seq were never added (the projections started from a snapshot). */
  private coveredAfter = 0;

  /**
   * Declares that entries up to `seq` are not in the index (folded into a snapshot, not added): queries reaching
   * before it get no candidates and scan the ledger, so an index started from a snapshot never answers incompletely.
   */
  coverFrom(seq: number): void {
    this.coveredAfter = Math.max(this.coveredAfter, seq);
  }

  /** Adds entries (in seq order, after every entry added before). */
  add(entries: readonly LedgerEntry[]): void {
    for (const entry of entries) {
      const changeKeys = new Set<string>();
      if (entry.subject.startsWith('change:')) changeKeys.add(entry.subject.slice('change:'.length));
      const changeKey = changeKeyOf(entry);
      if (changeKey !== undefined) changeKeys.add(changeKey);
      for (const key of changeKeys) push(this.byChange, key, entry.seq);
      if (entry.subject.startsWith('flag:')) {
        const flag = entry.subject.slice('flag:'.length);
        push(this.byFlag, flag, entry.seq);
        push(this.byFlagKey, flag.slice(flag.lastIndexOf('/') + 1), entry.seq);
      }
      push(this.byActor, entry.actor.id, entry.seq);
      push(this.byType, entry.type, entry.seq);
    }
  }

  /**
   * Seqs after `afterSeq` of the entries matching every indexed filter given, ascending; undefined when the query
   * gives none or reaches before what the index covers (the caller scans instead).
   */
  candidates(filters: IndexedAuditFilters, afterSeq: number): number[] | undefined {
    const lists: (readonly number[])[] = [];
    if (filters.change !== undefined) lists.push(this.byChange.get(filters.change) ?? []);
    if (filters.flag !== undefined) {
      lists.push((filters.flag.includes('/') ? this.byFlag.get(filters.flag) : this.byFlagKey.get(filters.flag)) ?? []);
    }
    if (filters.actor !== undefined) lists.push(this.byActor.get(filters.actor) ?? []);
    if (filters.type !== undefined) lists.push(this.byType.get(filters.type) ?? []);
    if (lists.length === 0 || afterSeq < this.coveredAfter) return undefined;
    lists.sort((a, b) => a.length - b.length);
    const [shortest, ...others] = lists;
    const result: number[] = [];
    for (let index = firstAfter(shortest!, afterSeq); index < shortest!.length; index += 1) {
      const seq = shortest![index]!;
      if (others.every((list) => contains(list, seq))) result.push(seq);
    }
    return result;
  }
}

/** The change an entry belongs to besides its subject: its `changeKey`, or that of the approved state it sets. */
export function changeKeyOf(entry: LedgerEntry): string | undefined {
  const data = entry.data as { changeKey?: unknown; state?: { changeKey?: unknown } };
  if (typeof data.changeKey === 'string') return data.changeKey;
  if (typeof data.state?.changeKey === 'string') return data.state.changeKey;
  return undefined;
}

function push(index: Map<string, number[]>, key: string, seq: number): void {
  const list = index.get(key);
  if (list) list.push(seq);
  else index.set(key, [seq]);
}

/** Index of the first element greater than `seq` in an ascending list. */
function firstAfter(list: readonly number[], seq: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (list[middle]! <= seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

function contains(list: readonly number[], seq: number): boolean {
  const index = firstAfter(list, seq - 1);
  return index < list.length && list[index] === seq;
}
