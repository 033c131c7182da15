import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadPolicyFile } from '../../../policies/index.js';
import { ChangeStatus, changeRecordSchema, CleanupKind, ReviewDecision } from '../../../src/changes/model/index.js';
import { parseOrThrow, ValidationError } from '../../../src/errors/index.js';
import {
  BreakGlassStatus,
  changeReviewDueAt,
  changeReviewDueDates,
  noticeFor,
  postReviewOutcome,
  reviewDueItems as itemsWithDates,
  type BreakGlassRecord,
} from '../../../src/exposure/index.js';
import type { LoadedChangeRecordState } from '../../../src/changes/projection/index.js';
import { IdentityMapping } from '../../../src/identity/index.js';
import { ActorKind } from '../../../src/ledger/index.js';
import { PostReviewOutcome, ReviewItemKind } from '../../../src/exposure/model/index.js';
import { changeState, exampleRecord } from './exposure-fixtures.js';

const policy = await loadPolicyFile(DEFAULT_POLICY_PATH);
const durable = changeState(
  exampleRecord((record) => ({ ...record, cleanup: { kind: CleanupKind.Durable, reviewDate: '2026-04-01' } })),
  { status: ChangeStatus.Completed },
);
const temporary = changeState(
  exampleRecord((record) => ({
    ...record,
    key: 'holiday-banner',
    cleanup: { kind: CleanupKind.Temporary, reviewDate: '2026-03-20' },
  })),
  { status: ChangeStatus.Releasing },
);
const defaulted = changeState(
  exampleRecord((record) => ({ ...record, key: 'no-date', cleanup: { kind: CleanupKind.Durable } })),
  { status: ChangeStatus.Completed },
);
const proposed = changeState(
  exampleRecord((record) => ({
    ...record,
    key: 'still-proposed',
    cleanup: { kind: CleanupKind.Durable, reviewDate: '2020-01-01' },
  })),
  { status: ChangeStatus.Proposed },
);
const breakGlass: BreakGlassRecord = {
  used: {
    id: 'bg-20260301-abcd',
    envId: 'env',
    flagKey: 'assistant-fallback',
    incidentReference: 'INC-1',
    reason: 'outage',
    duration: '2h',
    servedVariationId: 'v2',
    expiresAt: '2026-03-01T12:00:00.000Z',
    postReviewDueBy: '2026-03-03T10:00:00.000Z',
    postReviewRoles: ['security', 'releaseOwner'],
    priorVersion: 3,
    appliedVersion: 9,
  },
  usedBy: { id: 'ic@example.com', kind: ActorKind.User, roles: ['incidentCommander'] },
  usedAt: '2026-03-01T10:00:00.000Z',
  seq: 10,
  reviews: [],
  status: BreakGlassStatus.Active,
};

/** The review-due items with each change's date as the notifier computes it from the loaded record. */
function reviewDueItems(
  changes: LoadedChangeRecordState[],
  ...rest: Parameters<typeof itemsWithDates> extends [unknown, unknown, ...infer R] ? R : never
) {
  return itemsWithDates(
    changes,
    new Map(changes.map((state) => [state.key, changeReviewDueAt(state, rest[1])])),
    ...rest,
  );
}

describe('review-due items', () => {
  it('lists durable changes and each flag of a temporary change past the review date, with the named owner', () => {
    const items = reviewDueItems([durable, temporary, proposed], [], policy, new Date('2026-04-02T00:00:00Z'));
    expect(items.map((item) => [item.kind, item.key, item.owner, item.overdue])).toEqual([
      [ReviewItemKind.TemporaryFlag, 'holiday-banner/intent-router-model-route', 'ai-platform', true],
      [ReviewItemKind.Change, 'router-switch-provider', 'ai-platform', true],
    ]);
    expect(items[0]!.action).toContain('remove the temporary flag intent-router-model-route');
  });

  it('refuses a durable control without a named owner, naming the field', () => {
    const { owner: _owner, ...unowned } = exampleRecord((record) => ({
      ...record,
      cleanup: { kind: CleanupKind.Durable },
    }));
    for (const record of [unowned, { ...unowned, owner: '   ' }]) {
      const error = (() => {
        try {
          parseOrThrow(changeRecordSchema, record);
        } catch (thrown) {
          return thrown;
        }
      })();
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['owner']);
    }
  });

  it("takes the tier's reviewAfter from creation when the record has no review date", () => {
    const [item] = reviewDueItems([defaulted], [], policy, new Date('2026-04-01T00:00:00Z'));
    expect(item).toMatchObject({ key: 'no-date', dueAt: '2026-03-31T00:00:00.000Z', overdue: true });
    expect(reviewDueItems([defaulted], [], policy, new Date('2026-03-30T00:00:00Z'))).toEqual([]);
  });

  it('reads back the full record only of a reviewed change without a review date, whose tier decides it', async () => {
    const loaded: string[] = [];
    const load = async (state: LoadedChangeRecordState) => {
      loaded.push(state.key);
      return state;
    };
    const dates = await changeReviewDueDates([durable, temporary, defaulted, proposed], load, policy);
    expect(loaded).toEqual(['no-date']);
    expect([...dates]).toEqual([
      [durable.key, '2026-04-01T00:00:00.000Z'],
      ['holiday-banner', '2026-03-20T00:00:00.000Z'],
      ['no-date', changeReviewDueAt(defaulted, policy)],
    ]);
  });

  it('lists upcoming items within the largest notice window, not overdue', () => {
    const items = reviewDueItems([durable], [], policy, new Date('2026-03-27T00:00:00Z'), true);
    expect(items).toHaveLength(1);
    expect(items[0]!.overdue).toBe(false);
  });

  it('lists a break-glass post-review once its deadline passes, until it concludes', () => {
    expect(reviewDueItems([], [breakGlass], policy, new Date('2026-03-02T00:00:00Z'))).toEqual([]);
    const [item] = reviewDueItems([], [breakGlass], policy, new Date('2026-03-04T00:00:00Z'));
    expect(item).toMatchObject({
      kind: ReviewItemKind.BreakGlassPostReview,
      key: 'bg-20260301-abcd',
      owner: 'ic@example.com',
      roles: ['security', 'releaseOwner'],
      overdue: true,
    });
    const concluded = { ...breakGlass, postReviewOutcome: PostReviewOutcome.Approved };
    expect(reviewDueItems([], [concluded], policy, new Date('2026-03-04T00:00:00Z'))).toEqual([]);
  });

  it('owes the nearest notice whose window has begun, then due, and overdue for post-reviews', () => {
    const [item] = reviewDueItems([durable], [], policy, new Date('2026-04-02T00:00:00Z'));
    expect(noticeFor(item!, ['7d', '1d'], new Date('2026-03-20T00:00:00Z'))).toBeUndefined();
    expect(noticeFor(item!, ['7d', '1d'], new Date('2026-03-26T00:00:00Z'))).toBe('before:7d');
    expect(noticeFor(item!, ['7d', '1d'], new Date('2026-03-31T12:00:00Z'))).toBe('before:1d');
    expect(noticeFor(item!, ['7d', '1d'], new Date('2026-04-01T00:00:00Z'))).toBe('due');
    const [post] = reviewDueItems([], [breakGlass], policy, new Date('2026-03-04T00:00:00Z'));
    expect(noticeFor(post!, ['7d'], new Date('2026-03-04T00:00:00Z'))).toBe('overdue');
  });
});

describe('break-glass post-review outcome', () => {
  const review = (reviewer: string, roles: string[], decision = ReviewDecision.Approve) => ({
    reviewer,
    roles,
    decision,
  });
  const roles = ['security', 'releaseOwner'];

  it('needs every post-review role covered by a distinct person other than the one who broke glass', () => {
    expect(postReviewOutcome([review('sam', ['security'])], { id: 'ic' }, roles, false)).toBe(
      PostReviewOutcome.Pending,
    );
    expect(
      postReviewOutcome([review('sam', ['security']), review('rita', ['releaseOwner'])], { id: 'ic' }, roles, false),
    ).toBe(PostReviewOutcome.Approved);
    expect(postReviewOutcome([review('both', ['security', 'releaseOwner'])], { id: 'ic' }, roles, false)).toBe(
      PostReviewOutcome.Pending,
    );
    expect(postReviewOutcome([review('both', ['security', 'releaseOwner'])], { id: 'ic' }, roles, true)).toBe(
      PostReviewOutcome.Approved,
    );
    expect(
      postReviewOutcome(
        [review('ic', ['security', 'releaseOwner']), review('sam', ['security'])],
        { id: 'ic' },
        roles,
        true,
      ),
    ).toBe(PostReviewOutcome.Pending);
  });

  it('counts people through the identity mapping: an alias of the commander never counts, one person under two names is one approver', () => {
    const people = IdentityMapping.fromConfig([
      { id: 'ic', emails: ['ic@corp.example'], tokens: ['ic-token'] },
      { id: 'sam', emails: ['sam@corp.example'], tokens: ['sam-token'] },
    ]);
    const commander = { id: 'IC@Corp.example' };
    expect(
      postReviewOutcome(
        [review('ic-token', ['security']), review('rita', ['releaseOwner'])],
        commander,
        roles,
        false,
        people,
      ),
    ).toBe(PostReviewOutcome.Pending);
    expect(
      postReviewOutcome(
        [review('sam-token', ['security']), review('SAM@corp.example', ['releaseOwner'])],
        commander,
        roles,
        false,
        people,
      ),
    ).toBe(PostReviewOutcome.Pending);
    expect(
      postReviewOutcome(
        [review('sam-token', ['security']), review('rita', ['releaseOwner'])],
        commander,
        roles,
        false,
        people,
      ),
    ).toBe(PostReviewOutcome.Approved);
    expect(
      postReviewOutcome(
        [review('oidc-sub-1', ['security'], ReviewDecision.Reject)],
        { id: 'oidc-sub-1', aliases: [] },
        roles,
        false,
        people,
      ),
    ).toBe(PostReviewOutcome.Pending);
  });

  it("is rejected when any reviewer's latest review rejects", () => {
    expect(
      postReviewOutcome(
        [review('sam', ['security']), review('rita', ['releaseOwner'], ReviewDecision.Reject)],
        { id: 'ic' },
        roles,
        false,
      ),
    ).toBe(PostReviewOutcome.Rejected);
  });
});
