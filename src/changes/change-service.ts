import { DecisionStatus, secretKeyMatcherOf } from './policy-helpers.js';
import {
  changeRecordSchema,
  ChangeStatus,
  redactChangeRecord,
  ReviewDecision,
  type ChangeRecord,
  type ChangeRecordInput,
} from './model/index.js';
import { canonicalJson, type JsonValue } from '../canonical/index.js';
import {
  ConflictError,
  fieldIssuesFromZod,
  NotFoundError,
  PolicyViolationError,
  TooLargeError,
  ValidationError,
} from '../errors/index.js';
import { actorOf, Permission, Role, type Principal } from '../identity/index.js';
import { ActorKind, LedgerEventType } from '../ledger/index.js';
import { changeAuthors, isAuthor } from './change-authors.js';
import { candidateHashOf, deriveRecord } from './change-derivation.js';
import { changeSubject } from '../ledger-events/index.js';
import type { ChangeRecordState } from './projection/index.js';
import type { ChangeView } from './change-view.js';
import { explainChange, type PolicyExplanation } from './policy-explanation.js';
import { assess, changeView } from './change-views.js';
import type { ChangeListQuery, EvidenceRequest, ReviewRequest } from './request-schemas.js';
import type { WorkflowContext } from '../projections/index.js';

/** Statuses in which the record may still be edited or reviewed: nothing of it is live yet. */
const OPEN: ReadonlySet<ChangeStatus> = new Set([ChangeStatus.Proposed, ChangeStatus.Approved, ChangeStatus.Rejected]);

/** The change-record side of the workflow: create, edit, read, list, review, attach evidence. */
export class ChangeService {
  constructor(private readonly context: WorkflowContext) {}

  /**
   * Opens a change; the requester is always the caller, whatever the body says, except for featgate's own
   * proposals from intercepted FeatBit edits, whose requester is the FeatBit operator (`onBehalfOf`).
   */
  async createChange(principal: Principal, input: ChangeRecordInput, onBehalfOf?: string): Promise<ChangeView> {
    const prepared = this.prepare(input, onBehalfOf ?? principal.id);
    assertRecordSize(prepared);
    await this.locked(prepared.key, [], async (existing) => {
      if (existing) {
        throw new ConflictError(`change ${prepared.key} already exists; edit it instead`);
      }
      const aliases = onBehalfOf === undefined ? (principal.aliases ?? []) : [];
      const record = {
        ...this.derive(prepared, onBehalfOf !== undefined),
        authors: [...new Set([prepared.requester, ...aliases])],
      };
      assertRecordSize(record);
      const actor = actorOf(principal);
      const created = await this.context.append(LedgerEventType.ChangeCreated, actor, changeSubject(record.key), {
        record,
      });
      await this.classify(record, actor, created.seq);
    });
    return await this.view(prepared.key);
  }

  /**
   * Replaces a change record. Only the requester (or an admin) may edit, and only before release. An edit after
   * any review resets every approval and returns the change to `proposed`, so an approved change cannot be
   * edited and still shipped.
   */
  async editChange(principal: Principal, key: string, input: ChangeRecordInput): Promise<ChangeView> {
    await this.withChange(key, async (state) => {
      if (input.key !== key)
        throw new ValidationError([{ path: 'key', message: `must stay ${key}; the key of a change cannot change` }]);
      if (!this.isRequester(principal, state.record.requester) && !principal.roles.includes(Role.Admin)) {
        throw new PolicyViolationError(
          `only the requester ${state.record.requester} or an admin may edit change ${key}`,
        );
      }
      if (!OPEN.has(state.status))
        throw new ConflictError(`change ${key} is ${state.status}; it can no longer be edited`);
      if (this.context.deps.projections.proposal(key)) {
        throw new ConflictError(
          `change ${key} is a proposal from an edit made in FeatBit: it releases exactly that edit, so it cannot be edited; withdraw it and open a change with the values you want`,
        );
      }
      const prepared = this.prepare(input, state.record.requester);
      assertRecordSize(prepared);
      const authors = [
        ...new Set([...(state.record.authors ?? [state.record.requester]), principal.id, ...(principal.aliases ?? [])]),
      ];
      const record = { ...this.derive(prepared, false), authors };
      assertRecordSize(record);
      const actor = actorOf(principal);
      const subject = changeSubject(key);
      let last = await this.context.append(LedgerEventType.ChangeEdited, actor, subject, { record });
      if (state.reviews.length > 0) {
        last = await this.context.append(LedgerEventType.ApprovalsReset, actor, subject, {
          changeKey: key,
          reason: `edited by ${principal.id} after ${state.reviews.length} review(s); every approval must be given again`,
        });
      }
      if (state.status !== ChangeStatus.Proposed) {
        last = await this.context.append(LedgerEventType.ChangeStatusChanged, actor, subject, {
          changeKey: key,
          status: ChangeStatus.Proposed,
          reason: 'edited',
        });
      }
      await this.classify(record, actor, last.seq);
    });
    return await this.view(key);
  }

  /** One change as the API shows it. */
  async getChange(key: string): Promise<ChangeView> {
    await this.context.deps.projections.catchUp();
    return await this.view(key);
  }

  /** The policy explanation of one change (see `explainChange`). */
  async explainChange(key: string): Promise<PolicyExplanation> {
    await this.context.deps.projections.catchUp();
    const state = await this.context.deps.projections.loadedChange(key);
    if (!state) throw new NotFoundError(`no change ${key}`);
    return explainChange(
      state,
      this.context.deps.policy(),
      this.context.identities,
      this.context.deps.projections.proposal(key) !== undefined,
      this.context.deps.knownReviewers?.() ?? [],
    );
  }

  /** Changes filtered by status, tier, flag, owner, or waiting on the caller's review. */
  async listChanges(principal: Principal, query: ChangeListQuery): Promise<ChangeView[]> {
    await this.context.deps.projections.catchUp();
    const policy = this.context.deps.policy();
    const views: ChangeView[] = [];
    for (const state of this.context.deps.projections.changes.changes.values()) {
      if (query.status && state.status !== query.status) continue;
      if (query.owner && state.record.owner !== query.owner) continue;
      if (query.flag && !state.record.flags.some((flag) => flag.key === query.flag)) continue;
      const view = changeView(await this.context.deps.projections.loaded(state), policy, this.context.identities);
      if (query.tier && view.tier !== query.tier) continue;
      if (query.waitingOnMe === 'true' && !this.waitsOn(state, view, principal)) continue;
      views.push(view);
    }
    return views.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.key.localeCompare(b.key));
  }

  /**
   * Records a review. The requester can never review their own change (refused, nothing recorded). After the
   * review the policy decides again and the status follows: approved, rejected, or back to proposed.
   */
  async submitReview(principal: Principal, key: string, request: ReviewRequest): Promise<ChangeView> {
    await this.withChange(key, async (state) => {
      const refusal = this.reviewRefusal(state, principal);
      if (refusal) throw refusal;
      if (request.revision !== undefined && request.revision !== state.revision) {
        throw new ConflictError(
          `the review names revision ${request.revision} of ${key}, but the record is at revision ${state.revision} (edited since); read it again and review what it says now`,
        );
      }
      const actor = actorOf(principal);
      const reviewed = await this.context.append(LedgerEventType.ReviewSubmitted, actor, changeSubject(key), {
        changeKey: key,
        review: {
          reviewer: principal.id,
          roles: [...principal.roles],
          decision: request.decision,
          comment: request.comment,
          at: this.context.nowIso(),
          revision: state.revision,
          ...(principal.aliases?.length ? { aliases: [...principal.aliases] } : {}),
        },
      });
      await this.followDecision(key, actor, reviewed.seq);
    });
    return await this.view(key);
  }

  /**
   * What `submitReview` and `withdrawChange` would refuse `principal` now, in the words they refuse it with, so the
   * console shows the workflow's own answer instead of guessing it (the API still decides every request).
   */
  async refusals(principal: Principal, key: string): Promise<{ review?: string; withdraw?: string }> {
    await this.context.deps.projections.catchUp();
    const state = this.context.deps.projections.changes.changes.get(key);
    if (!state) throw new NotFoundError(`no change ${key}`);
    const review = this.reviewRefusal(state, principal)?.message;
    const withdraw = this.withdrawRefusal(state, principal)?.message;
    return { ...(review ? { review } : {}), ...(withdraw ? { withdraw } : {}) };
  }

  /** Why `principal` may not review the change now (an author, or reviews closed), or undefined. */
  private reviewRefusal(state: ChangeRecordState, principal: Principal): Error | undefined {
    const key = state.key;
    if (isAuthor(state.record, principal, this.context.identities)) {
      const identities = this.context.identities;
      const proposal = this.context.deps.projections.proposal(key) !== undefined;
      const author = changeAuthors(state.record, identities, proposal).find(
        (one) => one.person === identities.personOfPrincipal(principal),
      );
      const as = author && author.identity !== principal.id ? ` (as ${author.identity})` : '';
      const requested = !author || identities.samePerson(author.identity, state.record.requester);
      const did = requested ? `requested change ${key}` : `edited change ${key}`;
      return new PolicyViolationError(
        `${principal.id}${as} ${did} and cannot review it: separation of duties requires another person`,
      );
    }
    if (!OPEN.has(state.status)) return new ConflictError(`change ${key} is ${state.status}; reviews are closed`);
    return undefined;
  }

  /** Why `principal` may not withdraw the change now (not its requester or an admin, or already released), or undefined. */
  private withdrawRefusal(state: ChangeRecordState, principal: Principal): Error | undefined {
    const key = state.key;
    if (!this.isRequester(principal, state.record.requester) && !principal.roles.includes(Role.Admin)) {
      return new PolicyViolationError(
        `only the requester ${state.record.requester} or an admin may withdraw change ${key}`,
      );
    }
    if (!OPEN.has(state.status)) {
      const hint = state.stageIndex !== undefined && state.stageIndex !== null ? '; roll it back instead' : '';
      return new ConflictError(
        `change ${key} is ${state.status}; only a change that is not released yet can be withdrawn${hint}`,
      );
    }
    return undefined;
  }

  /** Attaches evidence; when it completes what the tier requires, the change becomes approved. */
  async attachEvidence(principal: Principal, key: string, request: EvidenceRequest): Promise<ChangeView> {
    await this.withChange(key, async (state) => {
      if (
        state.status === ChangeStatus.Completed ||
        state.status === ChangeStatus.RolledBack ||
        state.status === ChangeStatus.Withdrawn
      ) {
        throw new ConflictError(`change ${key} is ${state.status}; it takes no more evidence`);
      }
      const actor = actorOf(principal);
      const attached = await this.context.append(LedgerEventType.EvidenceAttached, actor, changeSubject(key), {
        changeKey: key,
        evidence: {
          ...request,
          attachedBy: principal.id,
          at: this.context.nowIso(),
          attachedByKind: principal.kind === ActorKind.Service ? 'service' : 'user',
          ...(principal.aliases?.length ? { attachedByAliases: [...principal.aliases] } : {}),
          revision: state.revision,
          candidateHash: candidateHashOf((await this.context.deps.projections.loaded(state)).record),
        },
      });
      if (OPEN.has(state.status)) await this.followDecision(key, actor, attached.seq);
    });
    return await this.view(key);
  }

  /**
   * Withdraws a change that is not live yet: its requester (any of their identities) or an admin closes it, and it
   * can never be approved, released or edited again. A proposal from a FeatBit edit is withdrawn the same way.
   */
  async withdrawChange(principal: Principal, key: string, reason: string): Promise<ChangeView> {
    await this.withChange(key, async (state) => {
      const refusal = this.withdrawRefusal(state, principal);
      if (refusal) throw refusal;
      await this.context.append(LedgerEventType.ChangeStatusChanged, actorOf(principal), changeSubject(key), {
        changeKey: key,
        status: ChangeStatus.Withdrawn,
        reason: `withdrawn by ${principal.id}: ${reason}`,
      });
    });
    return await this.view(key);
  }

  /**
   * Runs `fn` with the change's lock (and `extraLocks`) held and the projections caught up to the ledger head;
   * 404 when the change is unknown. This is how several processes stay consistent: every state change of a
   * change record validates against the latest history and appends while no one else can append for it.
   */
  withChange<T>(
    key: string,
    fn: (state: ChangeRecordState) => Promise<T>,
    extraLocks: readonly string[] = [],
  ): Promise<T> {
    return this.locked(key, extraLocks, (state) => {
      if (!state) throw new NotFoundError(`no change ${key}`);
      return fn(state);
    });
  }

  private locked<T>(
    key: string,
    extraLocks: readonly string[],
    fn: (state: ChangeRecordState | undefined) => Promise<T>,
  ): Promise<T> {
    const { lock, projections } = this.context.deps;
    return lock.withLocks([changeSubject(key), ...extraLocks], async () => {
      await projections.catchUp();
      const result = await fn(projections.changes.changes.get(key));
      await projections.catchUpOwnWrites();
      return result;
    });
  }

  /** The view of a change after the projections caught up. */
  async view(key: string): Promise<ChangeView> {
    const state = await this.context.deps.projections.loadedChange(key);
    if (!state) throw new NotFoundError(`no change ${key}`);
    return changeView(state, this.context.deps.policy(), this.context.identities);
  }

  /** Whether the caller (any of their identities) is the change's requester. */
  private isRequester(principal: Principal, requester: string): boolean {
    return this.context.identities.personOfPrincipal(principal) === this.context.identities.personOf(requester);
  }

  /** The record with what featgate derives filled in (baseline checked, approved versions, stage audiences). */
  private derive(record: ChangeRecord, proposal: boolean): ChangeRecord {
    const { projections, redactionKey } = this.context.deps;
    return deriveRecord(
      {
        policy: this.context.deps.policy(),
        redactionKey,
        approved: (envId, flagKey) => projections.approved(envId, flagKey),
      },
      record,
      proposal,
    );
  }

  private prepare(input: ChangeRecordInput, requester: string): ChangeRecord {
    const parsed = changeRecordSchema.safeParse({ ...input, requester });
    if (!parsed.success) throw new ValidationError(fieldIssuesFromZod(parsed.error));
    const issues = this.context.deps.checkRecord?.(parsed.data) ?? [];
    if (issues.length > 0) throw new ValidationError(issues);
    const record = redactChangeRecord(
      parsed.data,
      secretKeyMatcherOf(this.context.deps.policy()),
      this.context.deps.redactionKey,
    );
    return record;
  }

  /** Records the tier of a record once the projections hold its entry `seq` (we hold its lock: nothing else changed it). */
  private async classify(record: ChangeRecord, actor: ReturnType<typeof actorOf>, seq: number): Promise<void> {
    await this.context.deps.projections.catchUpTo(seq);
    const state = await this.context.deps.projections.loadedChange(record.key);
    if (!state) return;
    const { evaluation } = assess(state, this.context.deps.policy(), this.context.identities);
    await this.context.append(LedgerEventType.ChangeClassified, actor, changeSubject(record.key), {
      changeKey: record.key,
      tier: evaluation.tier,
      firedRuleIds: evaluation.firedRules.map((rule) => rule.ruleId),
      reasons: [...evaluation.reasons],
    });
  }

  /** Re-decides after the review or evidence recorded as `seq` and records the status the decision implies, if it differs. */
  private async followDecision(key: string, actor: ReturnType<typeof actorOf>, seq: number): Promise<void> {
    await this.context.deps.projections.catchUpTo(seq);
    const state = await this.context.deps.projections.loadedChange(key);
    if (!state || !OPEN.has(state.status)) return;
    const { decision } = assess(state, this.context.deps.policy(), this.context.identities);
    const status =
      decision.status === DecisionStatus.Approved
        ? ChangeStatus.Approved
        : decision.status === DecisionStatus.Rejected
          ? ChangeStatus.Rejected
          : ChangeStatus.Proposed;
    if (status === state.status) return;
    await this.context.append(LedgerEventType.ChangeStatusChanged, actor, changeSubject(key), {
      changeKey: key,
      status,
      reason: decision.reasons.at(-1) ?? status,
    });
  }

  /** Whether a change waits for this principal: open, not theirs, not yet reviewed by them, and a role of theirs is needed. */
  private waitsOn(state: ChangeRecordState, view: ChangeView, principal: Principal): boolean {
    if (state.status !== ChangeStatus.Proposed || isAuthor(state.record, principal, this.context.identities))
      return false;
    if (!principal.permissions.has(Permission.ReviewSubmit)) return false;
    const identities = this.context.identities;
    const person = identities.personOfPrincipal(principal);
    const reviewed = (review: (typeof state.reviews)[number]) =>
      identities.personOfPrincipal({ id: review.reviewer, ...(review.aliases ? { aliases: review.aliases } : {}) }) ===
      person;
    if (state.reviews.some((review) => reviewed(review) && review.decision === ReviewDecision.Approve)) return false;
    const missing = view.decision.missing as { approvals: number; roles: readonly { anyOf: readonly string[] }[] };
    if (missing.roles.some((requirement) => requirement.anyOf.some((role) => principal.roles.includes(role))))
      return true;
    return missing.approvals > 0 && missing.roles.length === 0;
  }
}

/** Largest canonical JSON size of a stored change record (after featgate's derivations), so one record cannot fill the ledger. */
export const MAX_RECORD_BYTES = 512 * 1024;

/** Refuses a record above `MAX_RECORD_BYTES` with 413, naming its size and its largest value. */
export function assertRecordSize(record: ChangeRecord): void {
  const bytes = Buffer.byteLength(canonicalJson(record as unknown as JsonValue), 'utf8');
  if (bytes <= MAX_RECORD_BYTES) return;
  let largest = { path: 'record', bytes: 0 };
  record.flags.forEach((flag, index) => {
    const values: [string, JsonValue | undefined][] = [
      ['baseline', flag.baseline],
      ['candidate', flag.candidate],
      ['rollbackValue', flag.rollbackValue],
      ...(flag.servedValues ?? []).map((value, at): [string, JsonValue] => [`servedValues.${at}`, value]),
    ];
    for (const [name, value] of values) {
      if (value === undefined) continue;
      const size = Buffer.byteLength(canonicalJson(value), 'utf8');
      if (size > largest.bytes) largest = { path: `flags.${index}.${name}`, bytes: size };
    }
  });
  throw new TooLargeError(
    `change ${record.key} holds ${bytes} bytes of JSON; a change record may hold at most ${MAX_RECORD_BYTES} (its largest value is ${largest.path}, ${largest.bytes} bytes)`,
  );
}
