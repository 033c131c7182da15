import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile, type Policy } from '../../../policies/index.js';
import {
  ActorKind,
  JsonlLedgerStore,
  type LedgerAppend,
  type LedgerAppendListener,
  type LedgerEntry,
  type VerifiableLedgerStore,
} from '../../../src/ledger/index.js';
import { silentLogger } from '../../../src/logging/index.js';
import { ephemeralRedactionKey } from '../../../src/redaction/index.js';
import { auditQuerySchema, type AuditQuery, AuditService } from '../../../src/audit/index.js';
import { InProcessLock } from '../../../src/locks/index.js';
import { LedgerProjections, WorkflowContext } from '../../../src/projections/index.js';

/** The embedded store of one test, counting the entries each query reads from it. */
class CountingStore implements VerifiableLedgerStore {
  read = 0;
  constructor(readonly store: JsonlLedgerStore) {}
  append = (entry: LedgerAppend) => this.store.append(entry);
  onAppended = (listener: LedgerAppendListener) => this.store.onAppended(listener);
  readAfter = async (afterSeq: number, limit?: number) => this.count(await this.store.readAfter(afterSeq, limit));
  readSeqs = async (seqs: readonly number[]) => this.count(await this.store.readSeqs(seqs));
  head = () => this.store.head();
  verify = () => this.store.verify();
  close = () => this.store.close();
  private count(entries: LedgerEntry[]): LedgerEntry[] {
    this.read += entries.length;
    return entries;
  }
}

const ACTORS = ['alice', 'bo', 'cy'];
const FLAGS = ['env-a/model-route', 'env-b/model-route', 'env-a/prompt'];

/** Entry i: a mix of change and flag subjects, actors and types, some flag entries naming a change. */
function append(index: number): LedgerAppend {
  const onFlag = index % 4 === 0;
  const change = `ch-${index % 5}`;
  return {
    type: ['review.submitted', 'evidence.attached', 'approved-state.set'][index % 3]!,
    actor: { id: ACTORS[index % 3]!, kind: ActorKind.User },
    subject: onFlag ? `flag:${FLAGS[index % 3]}` : `change:${change}`,
    data: onFlag ? { state: { changeKey: change }, index } : { changeKey: change, index },
    at: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
  };
}

let dir: string;
let counting: CountingStore;
let policy: Policy;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'featgate-audit-'));
  counting = new CountingStore(await JsonlLedgerStore.open({ dataDir: dir }));
  policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
});

afterEach(async () => {
  await counting.close();
  rmSync(dir, { recursive: true, force: true });
});

async function serviceOver(entries: number, readBudget?: number): Promise<AuditService> {
  await Promise.all(Array.from({ length: entries }, (_, index) => counting.store.append(append(index + 1))));
  const ledger = counting;
  const context = new WorkflowContext({
    ledger,
    projections: new LedgerProjections(ledger),
    lock: new InProcessLock(),
    policy: () => policy,
    redactionKey: ephemeralRedactionKey(),
    logger: silentLogger,
  });
  await context.deps.projections.catchUp();
  return new AuditService(context, readBudget);
}

const query = (filters: Partial<Record<keyof AuditQuery, string | number>>): AuditQuery =>
  auditQuerySchema.parse(filters);

/** Follows nextAfterSeq until the end and returns every entry found. */
async function allPages(
  service: AuditService,
  filters: Partial<Record<keyof AuditQuery, string | number>>,
): Promise<LedgerEntry[]> {
  const found: LedgerEntry[] = [];
  let afterSeq = 0;
  for (let pages = 0; pages < 1000; pages += 1) {
    const page = await service.page(query({ ...filters, afterSeq }));
    found.push(...page.entries);
    if (page.nextAfterSeq === null) return found;
    afterSeq = page.nextAfterSeq;
  }
  throw new Error('paging did not end');
}

describe('paged audit queries', () => {
  it('finds through the index exactly what a full scan finds, for every filter and combination', async () => {
    const service = await serviceOver(120);
    const everything = await counting.store.readAfter(0);
    const cases: Partial<Record<keyof AuditQuery, string>>[] = [
      { change: 'ch-2' },
      { flag: 'env-a/model-route' },
      { flag: 'model-route' },
      { actor: 'bo' },
      { type: 'evidence.attached' },
      { change: 'ch-3', actor: 'cy', type: 'approved-state.set' },
      { flag: 'prompt', from: '2026-01-01T00:00:30Z', to: '2026-01-01T00:01:30Z' },
    ];
    for (const filters of cases) {
      const expected = everything.filter((entry) => {
        const data = entry.data as { changeKey?: string; state?: { changeKey?: string } };
        if (
          filters.change &&
          entry.subject !== `change:${filters.change}` &&
          (data.changeKey ?? data.state?.changeKey) !== filters.change
        )
          return false;
        if (
          filters.flag &&
          !(filters.flag.includes('/')
            ? entry.subject === `flag:${filters.flag}`
            : entry.subject.startsWith('flag:') && entry.subject.endsWith(`/${filters.flag}`))
        )
          return false;
        if (filters.actor && entry.actor.id !== filters.actor) return false;
        if (filters.type && entry.type !== filters.type) return false;
        if (filters.from && entry.at < filters.from) return false;
        if (filters.to && entry.at >= filters.to) return false;
        return true;
      });
      expect(expected.length, JSON.stringify(filters)).toBeGreaterThan(0);
      expect(
        (await allPages(service, { ...filters, limit: 4 })).map((entry) => entry.seq),
        JSON.stringify(filters),
      ).toEqual(expected.map((entry) => entry.seq));
    }
  });

  it('reads only the entries that can match a query by actor', async () => {
    const service = await serviceOver(300);
    counting.read = 0;
    const page = await service.page(query({ actor: 'alice', afterSeq: 0, limit: 5 }));
    expect(page.entries.map((entry) => entry.actor.id)).toEqual(['alice', 'alice', 'alice', 'alice', 'alice']);
    expect(page.nextAfterSeq).toBe(page.entries.at(-1)!.seq);
    expect(counting.read).toBe(5);
  });

  it('stops a scan that matches nothing at its read budget and says where to go on', async () => {
    const service = await serviceOver(25, 10);
    const future = { from: '2030-01-01T00:00:00Z' };
    const pages = [];
    let afterSeq = 0;
    for (;;) {
      counting.read = 0;
      const page = await service.page(query({ ...future, afterSeq }));
      expect(counting.read).toBeLessThanOrEqual(10);
      pages.push(page);
      if (page.nextAfterSeq === null) break;
      afterSeq = page.nextAfterSeq;
    }
    expect(pages.map((page) => [page.entries.length, page.nextAfterSeq])).toEqual([
      [0, 10],
      [0, 20],
      [0, null],
    ]);
  });

  it('answers an empty page without a cursor after the last entry', async () => {
    const service = await serviceOver(3);
    expect(await service.page(query({ afterSeq: 3 }))).toEqual({ entries: [], nextAfterSeq: null });
  });
});
