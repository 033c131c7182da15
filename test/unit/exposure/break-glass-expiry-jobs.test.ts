import { describe, expect, it } from 'vitest';
import {
  BreakGlassStatus,
  dueJobs,
  type BreakGlassRecord,
  type ExposureLedgerState,
} from '../../../src/exposure/index.js';
import { ActorKind } from '../../../src/ledger/index.js';
import { PostReviewOutcome } from '../../../src/exposure/model/index.js';
import type { LedgerProjections } from '../../../src/projections/index.js';

const used = (id: string, status: BreakGlassStatus, extra: Partial<BreakGlassRecord> = {}): BreakGlassRecord => ({
  used: {
    id,
    envId: 'env',
    flagKey: 'assistant-fallback',
    reason: 'outage',
    duration: '2h',
    servedVariationId: 'v2',
    expiresAt: '2026-03-01T12:00:00.000Z',
    postReviewDueBy: '2026-03-03T10:00:00.000Z',
    postReviewRoles: ['security'],
    priorVersion: 3,
    appliedVersion: 9,
  },
  usedBy: { id: 'ic', kind: ActorKind.User },
  usedAt: '2026-03-01T10:00:00.000Z',
  seq: 10,
  reviews: [],
  status,
  ...extra,
});

describe('break-glass expiry jobs', () => {
  it('schedules the expiry of every use not ended, a post-approved one whose end was cut short included', () => {
    const records = [
      used('bg-active-0001', BreakGlassStatus.Active),
      used('bg-approved-0002', BreakGlassStatus.Approved, { postReviewOutcome: PostReviewOutcome.Approved }),
      used('bg-ended-0003', BreakGlassStatus.Ended),
    ];
    const exposure: ExposureLedgerState = {
      lastSeq: 10,
      breakGlass: new Map(records.map((record) => [record.used.id, record])),
      notified: new Set(),
    };
    const projections = { changes: { changes: new Map() } } as unknown as LedgerProjections;
    expect(dueJobs(projections, exposure).map((job) => job.subject)).toEqual(['bg-active-0001', 'bg-approved-0002']);
  });
});
