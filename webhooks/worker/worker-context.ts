import { ZodError } from 'zod';
import { canonicalJson, type JsonObject, type JsonValue } from '../../src/canonical/index.js';
import { ValidationError } from '../../src/errors/index.js';
import {
  flagSchema,
  segmentSchema,
  type FeatBitFlag,
  type FeatBitSegment,
  type RestFlag,
} from '../../src/featbit/model/index.js';
import {
  FeatBitAction,
  FeatBitNotFoundError,
  PermissionState,
  type FeatBitRestClient,
} from '../../src/featbit/rest-client/index.js';
import { ActorKind, type Actor } from '../../src/ledger/ledger-entry.js';
import type { LedgerEventType } from '../../src/ledger/ledger-event-type.js';
import type { LedgerStore } from '../../src/ledger/ledger-store.js';
import type { Logger } from '../../src/logging/index.js';
import { silentLogger } from '../../src/logging/index.js';
import type { KeyedLock } from '../../src/locks/index.js';
import type { Policy } from '../../policies/index.js';
import type { BridgeHealth } from './bridge-health.js';
import type { TokenPermissions } from './token-permissions.js';
import type { Notification, Notifier } from '../../src/notify/index.js';
import type { ReconcileJob } from '../queue/reconcile-job.js';
import type { TriggerSink } from '../receiver/webhook-router.js';
import type { ApprovedStateReader, ProposalOpener } from './bridge-ports.js';
import { comparableFlag, flagsEqual, segmentsEqual } from './flag-config.js';
import { findEditor } from './find-editor.js';
import { chooseRevertRoute, RevertNotRestoredError, type RevertAccess } from './revert-plan.js';

/** What the reconcile worker needs; every part is the real component in production and in tests. */
export interface ReconcileWorkerDeps {
  readonly featbit: FeatBitRestClient;
  readonly ledger: LedgerStore;
  readonly approvedStates: ApprovedStateReader;
  readonly proposals: ProposalOpener;
  /** The current policy (a getter, so a reloaded policy applies to the next job). */
  readonly policy: () => Policy;
  /** Where segment jobs fan out to flag jobs. */
  readonly queue: TriggerSink;
  /**
   * The workflow's keyed lock. A flag job runs under the same per-flag lock a release or an adoption takes, so the
   * worker never sees featgate's own FeatBit write before the approved state that goes with it.
   */
  readonly lock?: KeyedLock;
  readonly notifier?: Notifier;
  /** featgate's own actor in the ledger. */
  readonly serviceActor?: Actor;
  /** Name of featgate's FeatBit access token (the operator FeatBit records for featgate's writes), when known. */
  readonly serviceOperatorName?: string;
  /**
   * What featgate's own FeatBit token may do per flag (probed and learned); absent, every write is attempted and a
   * refusal is only learned from FeatBit's 403.
   */
  readonly permissions?: TokenPermissions;
  /** Where a blocked or failed revert is raised (readiness, metrics, notification). */
  readonly health?: BridgeHealth;
  readonly logger?: Logger;
  readonly now?: () => Date;
}

/** What one flag job did, for logs and tests. */
export enum ReconcileOutcome {
  Ungoverned = 'ungoverned',
  Missing = 'missing',
  Equal = 'equal',
  /** A governed flag nobody approved was converged to its safe state and proposed. */
  Converged = 'converged',
  /** A governed flag nobody approved is already in its safe state (gates deny it until a reviewer approves it). */
  Unapproved = 'unapproved',
  Accepted = 'accepted',
  Reverted = 'reverted',
  Observed = 'observed',
}

/** A flag job's outcome and the notifications to send once the flag's lock is released. */
export interface FlagResult {
  readonly outcome: ReconcileOutcome;
  readonly notifications?: readonly Notification[];
}

const FEATGATE_ACTOR: Actor = { id: 'featgate', kind: ActorKind.Service };

/** The reads and records every step of a flag job shares: built once per worker from its deps. */
export interface WorkerContext {
  readonly deps: ReconcileWorkerDeps;
  readonly logger: Logger;
  readonly now: () => Date;
  readonly serviceActor: Actor;
  /** Appends one ledger entry stamped with the worker's clock. */
  append(type: LedgerEventType, actor: Actor, subject: string, data: JsonObject): Promise<unknown>;
  /**
   * Reads segments; a missing one is left out, and one FeatBit holds in a shape featgate cannot parse is left out of
   * `segments` (the diff then proves nothing about it) and named in `unreadable`, so a revert restores it wholesale.
   */
  readSegments(envId: string, ids: readonly string[]): Promise<{ segments: FeatBitSegment[]; unreadable: string[] }>;
  /** Who made the edit FeatBit now holds (its audit log), else the job's operator. */
  operatorOf(
    envId: string,
    live: { readonly id: string; readonly key: string; readonly revision?: string },
    job: ReconcileJob,
  ): Promise<string>;
  /** Re-reads what featgate just wrote and fails the job unless FeatBit now holds `wanted` (flag and segments). */
  verifyRestored(
    envId: string,
    flagKey: string,
    wanted: FeatBitFlag,
    segments: readonly FeatBitSegment[],
  ): Promise<FeatBitFlag>;
  /** How a revert of `live` may write, decided before its first write from what is known of the token's permissions. */
  revertAccess(envId: string, live: RestFlag, needed: readonly FeatBitAction[]): Promise<RevertAccess>;
}

/** Builds the shared context of the worker's steps. */
export function workerContext(deps: ReconcileWorkerDeps): WorkerContext {
  const logger = deps.logger ?? silentLogger;
  const now = deps.now ?? (() => new Date());
  const readSegments: WorkerContext['readSegments'] = async (envId, ids) => {
    const segments: FeatBitSegment[] = [];
    const unreadable: string[] = [];
    for (const id of ids) {
      try {
        segments.push(segmentSchema.parse(await deps.featbit.getSegment(envId, id)));
      } catch (error) {
        if (error instanceof ValidationError || error instanceof ZodError) unreadable.push(id);
        else if (!(error instanceof FeatBitNotFoundError)) throw error;
      }
    }
    return { segments, unreadable };
  };
  return {
    deps,
    logger,
    now,
    serviceActor: deps.serviceActor ?? FEATGATE_ACTOR,
    append: (type, actor, subject, data) => deps.ledger.append({ type, actor, subject, data, at: now().toISOString() }),
    readSegments,
    operatorOf: (envId, live, job) =>
      findEditor(deps.featbit, envId, live, {
        fallback: job.operator,
        serviceOperatorName: deps.serviceOperatorName,
        logger,
      }),
    async verifyRestored(envId, flagKey, wanted, segments) {
      const after = flagSchema.safeParse(await deps.featbit.getFlag(envId, flagKey));
      const afterSegments = (
        await readSegments(
          envId,
          segments.map((segment) => segment.id),
        )
      ).segments;
      const flagRestored = after.success && flagsEqual(after.data, { ...wanted, isEnabled: after.data.isEnabled });
      const segmentsRestored = segments.every((segment) =>
        afterSegments.some((current) => current.id === segment.id && segmentsEqual(current, segment)),
      );
      if (!after.success || !flagRestored || !segmentsRestored) {
        const differs = !after.success
          ? 'its shape'
          : !flagRestored
            ? differingFields(after.data, wanted).join(', ')
            : 'a segment';
        throw new RevertNotRestoredError(envId, flagKey, differs);
      }
      return after.data;
    },
    async revertAccess(envId, live, needed) {
      const permissions = deps.permissions;
      if (permissions) await permissions.forFlag(envId, { key: live.key, tags: live.tags });
      const stateOf = (action: FeatBitAction) =>
        permissions?.stateOf(envId, live.key, action) ?? PermissionState.Unknown;
      const { route, missing } = chooseRevertRoute(needed, stateOf);
      return {
        route,
        needed,
        missing,
        learn: (actions, state) => permissions?.learn(envId, live.key, actions, state),
        patchRefused: () => stateOf(FeatBitAction.PatchFlag) === PermissionState.Missing,
      };
    },
  };
}

/** Approved segments updated with their live versions where the live flag still references them. */
export function mergeSegments(approved: readonly FeatBitSegment[], live: readonly FeatBitSegment[]): FeatBitSegment[] {
  const byId = new Map(approved.map((segment) => [segment.id, segment]));
  for (const segment of live) byId.set(segment.id, segment);
  return [...byId.values()];
}

/** Top-level fields of the comparable flag that differ, to say what a revert failed to restore. */
function differingFields(live: FeatBitFlag, wanted: FeatBitFlag): string[] {
  const a = comparableFlag({ ...live, isEnabled: wanted.isEnabled }) as Record<string, unknown>;
  const b = comparableFlag(wanted) as Record<string, unknown>;
  return Object.keys(b).filter(
    (field) => canonicalJson(a[field] as JsonValue) !== canonicalJson(b[field] as JsonValue),
  );
}
