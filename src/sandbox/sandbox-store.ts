import { randomUUID } from 'node:crypto';
import { ValidationError, fieldIssuesFromZod } from '../errors/index.js';
import { WebhookEvent, type FeatBitFlag, type FeatBitSegment, type RestFlag } from '../featbit/model/index.js';
import { SandboxHttpError } from './api-envelope.js';
import { sandboxFlagSchema, type SandboxFlag } from './sandbox-flag.js';
import { sandboxSegmentSchema, type SandboxSegment } from './sandbox-segment.js';
import type { SandboxAccessToken, SandboxEnvironment } from './sandbox-identity.js';
import { checkSeedFlag, checkSeedSegment, type SeedData } from './seed.js';
import {
  compareFlags,
  compareSegments,
  describeFlagInstruction,
  describeSegmentInstruction,
  flagEventsOf,
  flagWebhookDataObject,
  segmentEventsOf,
  segmentWebhookDataObject,
  SEGMENT_CONDITION_PROPERTIES,
  type FlagInstruction,
  type FlagReference,
  type IdName,
  type Instruction,
  type WebhookDispatcher,
} from './webhooks/index.js';

/**
 * A segment as the sandbox stores it (FeatBit's `Segment` entity), typed as featgate's model for existing
 * callers; the objects are what FeatBit stored and may not fit it (see `rawSegments`).
 */
export type StoredSegment = FeatBitSegment & {
  envId: string;
  key: string;
  workspaceId: string;
  type: string;
  scopes: string[];
  createdAt: string;
  updatedAt: string;
};

/** An audit log entry (`AuditLog` + the fields `AuditLogVm` adds). */
export interface AuditLogRecord {
  readonly id: string;
  readonly envId: string;
  readonly refId: string;
  readonly refType: 'FeatureFlag' | 'Segment';
  readonly keyword: string;
  readonly operation: 'Create' | 'Update' | 'Archive' | 'Restore' | 'Remove';
  readonly dataChange: { readonly previous: string; readonly current: string };
  readonly comment: string;
  readonly creatorId: string;
  readonly creatorName: string;
  readonly creatorEmail: string;
  readonly createdAt: string;
  readonly instructions: readonly Instruction[];
}

/** What the back end publishes to the evaluation server after a change (`Topics.FeatureFlagChange` / `SegmentChange`). */
export type SandboxChange =
  | { readonly envId: string; readonly kind: 'flag'; readonly item: SandboxFlag }
  | { readonly envId: string; readonly kind: 'segment'; readonly item: Record<string, unknown> };

/** Who made a change: an access token (its name is the operator) or the sandbox itself. */
export type Operator = Pick<SandboxAccessToken, 'id' | 'name'>;

/** What a flag edit should do with the stored flag it is given: a new state, or `undefined` for no write at all. */
export type FlagMutation = (flag: SandboxFlag) => unknown;

/** What `POST …/feature-flags` takes (`CreateFeatureFlag`), already validated. */
export interface NewFlag {
  readonly name: string;
  readonly key: string;
  readonly isEnabled: boolean;
  readonly description: string;
  readonly variationType: string;
  readonly variations: readonly { readonly id: string; readonly name: string; readonly value: string | null }[];
  readonly enabledVariationId: string;
  readonly disabledVariationId: string;
  readonly tags: readonly string[];
}

/** How seed data is loaded. */
export interface SeedOptions {
  /** Tell the SDK data-sync stream (default true); false stands for data FeatBit held before anyone watched. */
  readonly publish?: boolean;
}

/** Options of a flag write. */
export interface FlagWriteOptions {
  readonly operation?: 'Update' | 'Archive' | 'Restore';
  readonly comment?: string;
  /** Revision the caller read; a different current revision is a 409. */
  readonly expectedRevision?: string;
  /**
   * Runs after the change is computed and before it is saved, with FeatBit's instructions for it (`undefined`
   * when the comparer cannot read the flags): PUT targeting checks its per-part permissions here. Throwing
   * saves nothing.
   */
  readonly authorize?: (
    instructions: FlagInstruction[] | undefined,
    previous: SandboxFlag,
    current: SandboxFlag,
  ) => void;
}

/** `character varying(n) NOT NULL` columns of FeatBit's Postgres schema (`infra/postgresql/…/v0.0.0.sql`). */
const FLAG_COLUMNS = { name: 128, key: 128, variationType: 64, disabledVariationId: 128 } as const;
const SEGMENT_COLUMNS = { name: 128, key: 128, type: 64 } as const;

/** Characters as Postgres counts them for `varchar(n)`. */
const characters = (text: string) => [...text].length;

/**
 * Whether saving breaks a column constraint of FeatBit's default Postgres store (NOT NULL or a length): EF Core
 * throws on save, the request answers 500 and nothing is stored. Only JSON Patch (and an over-long off variation)
 * can reach this; the validators of the other routes stop it earlier.
 */
function violatesColumns(
  entity: Record<string, unknown>,
  columns: Readonly<Record<string, number>>,
  nullable: Readonly<Record<string, number>> = {},
): boolean {
  for (const [column, length] of Object.entries(columns)) {
    const value = entity[column];
    if (typeof value !== 'string' || characters(value) > length) return true;
  }
  for (const [column, length] of Object.entries(nullable)) {
    const value = entity[column];
    if (typeof value === 'string' && characters(value) > length) return true;
  }
  return false;
}

/** FeatBit's `SegmentComparer` over stored segments; `undefined` when it would throw on them (null members). */
export function compareStoredSegments(previous: SandboxSegment, current: SandboxSegment): Instruction[] | undefined {
  try {
    return compareSegments(previous as unknown as FeatBitSegment, current as unknown as FeatBitSegment);
  } catch {
    return undefined;
  }
}

/** FeatBit's `FlagComparer` over stored flags; `undefined` when it would throw on them (null members). */
export function compareStoredFlags(previous: SandboxFlag, current: SandboxFlag): FlagInstruction[] | undefined {
  try {
    return compareFlags(previous as unknown as FeatBitFlag, current as unknown as FeatBitFlag);
  } catch {
    return undefined;
  }
}

/**
 * The sandbox's in-memory FeatBit: flags and segments per environment, audit logs, and the order of effects
 * FeatBit follows on a change (save, audit log, publish to SDKs via `updatedAt`, then the webhook).
 */
export class SandboxStore {
  /** Flags per environment by id: PATCH can give two flags one key, or a flag no key at all. */
  private readonly flags = new Map<string, Map<string, SandboxFlag>>();
  private readonly segments = new Map<string, Map<string, SandboxSegment>>();
  private readonly audit = new Map<string, AuditLogRecord[]>();
  private readonly lastUpdate = new Map<string, number>();
  private readonly changeListeners = new Set<(change: SandboxChange) => void>();

  constructor(
    private readonly environments: readonly SandboxEnvironment[],
    private readonly resource: { readonly organization: IdName; readonly project: IdName },
    private readonly dispatcher: WebhookDispatcher,
  ) {
    for (const env of environments) {
      this.flags.set(env.id, new Map());
      this.segments.set(env.id, new Map());
      this.audit.set(env.id, []);
    }
  }

  /** The environment with this id (case-insensitive), or a 404. */
  environment(envId: string): SandboxEnvironment {
    const env = this.environments.find((candidate) => candidate.id.toLowerCase() === envId.toLowerCase());
    if (!env) throw SandboxHttpError.notFound();
    return env;
  }

  /**
   * Subscribes to every saved flag or segment change, in order, after the audit entry and before the webhook
   * (FeatBit's `OnFeatureFlagChanged` publishes to the evaluation server before it sends webhooks). Returns the
   * unsubscribe function. Deletions publish nothing, as in FeatBit.
   */
  onChange(listener: (change: SandboxChange) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private publish(change: SandboxChange): void {
    for (const listener of this.changeListeners) {
      try {
        listener(change);
      } catch {
        // a listener's failure never undoes a saved change
      }
    }
  }

  /** Whether an environment with this id exists. */
  hasEnvironment(envId: string): boolean {
    return this.environments.some((candidate) => candidate.id.toLowerCase() === envId.toLowerCase());
  }

  /**
   * Loads seed data; items without `envId` go to `defaultEnvId`. Replaces items with the same key/id. With
   * `publish: false` the SDK stream is not told (data FeatBit held before anyone was watching).
   */
  seed(data: SeedData, defaultEnvId: string, options: SeedOptions = {}): void {
    const publish = (change: SandboxChange) => {
      if (options.publish !== false) this.publish(change);
    };
    const now = new Date().toISOString();
    for (const item of data.segments) {
      const segment = checkSeedSegment(item);
      const envId = this.environment(segment.envId ?? defaultEnvId).id;
      const stored = {
        workspaceId: this.resource.organization.id,
        type: 'environment-specific',
        scopes: [],
        key: segment.key ?? (segment.name ?? '').toLowerCase().replace(/[^a-z0-9._-]+/g, '-'),
        ...segment.source,
        createdAt: segment.createdAt ?? segment.updatedAt ?? now,
        updatedAt: segment.updatedAt ?? now,
        envId,
      } as unknown as SandboxSegment;
      this.segments.get(envId)!.set(stored.id, stored);
      this.noteUpdate(envId, stored.updatedAt);
      publish({ envId, kind: 'segment', item: sdkSegment(stored) });
    }
    for (const item of data.flags) {
      const flag = checkSeedFlag(item);
      const envId = this.environment(flag.envId ?? defaultEnvId).id;
      // Types are checked (seedFlagSchema), but the document is kept as written: a seed stands for data FeatBit
      // already holds, so members it leaves out stay out instead of becoming .NET defaults.
      const stored = {
        ...flag.source,
        createdAt: flag.createdAt ?? flag.updatedAt ?? now,
        updatedAt: flag.updatedAt ?? now,
        envId,
        revision: flag.revision ?? randomUUID(),
      } as SandboxFlag;
      const flags = this.flags.get(envId)!;
      for (const existing of flags.values())
        if (existing.key === stored.key && existing.id !== stored.id) flags.delete(existing.id);
      flags.set(stored.id, stored);
      this.noteUpdate(envId, stored.updatedAt);
      publish({ envId, kind: 'flag', item: stored });
    }
  }

  /**
   * Every flag of an environment, in insertion order, typed as featgate's model for existing callers. The
   * objects are what FeatBit stored and may not fit that model (see `rawFlags`).
   */
  listFlags(envId: string): RestFlag[] {
    return this.rawFlags(envId) as unknown as RestFlag[];
  }

  /** A flag by key (exact, case-sensitive, as FeatBit's `GetAsync`), or a 404; typed as the model, see `rawFlag`. */
  getFlag(envId: string, key: string): RestFlag {
    return this.rawFlag(envId, key) as unknown as RestFlag;
  }

  /** Every stored flag of an environment exactly as FeatBit would store it, archived ones included. */
  rawFlags(envId: string): SandboxFlag[] {
    return [...this.flags.get(this.environment(envId).id)!.values()];
  }

  /** The stored flag with this key (the first one, should a PATCH have given two flags one key), or a 404. */
  rawFlag(envId: string, key: string): SandboxFlag {
    const flag = this.findFlag(envId, key);
    if (!flag) throw SandboxHttpError.notFound();
    return flag;
  }

  /** The stored flag with this key, if any (FeatBit's resource lookup, which answers null instead of throwing). */
  findFlag(envId: string, key: string): SandboxFlag | undefined {
    const flags = this.flags.get(this.environment(envId).id)!;
    for (const flag of flags.values()) if (flag.key === key) return flag;
    return undefined;
  }

  /** Whether a key is taken, ignoring case (`FeatureFlagService.HasKeyBeenUsedAsync`). */
  isKeyUsed(envId: string, key: string): boolean {
    const lower = key.toLowerCase();
    return this.rawFlags(envId).some((flag) => flag.key?.toLowerCase() === lower);
  }

  /**
   * Applies an edit as `operator`: checks the revision, binds the result to FeatBit's entity types only (no
   * semantic validation: FeatBit has none after creation), gives it a new revision and a strictly later
   * `updatedAt`, runs `authorize`, saves, writes the audit log, then fires webhooks for FeatBit's diff (none when
   * the comparer cannot read the flags: FeatBit's webhook handler is fire-and-forget). A mutation returning
   * `undefined` changes nothing and answers the current flag.
   */
  writeFlag(
    envId: string,
    key: string,
    operator: Operator,
    mutate: FlagMutation,
    options: FlagWriteOptions = {},
  ): SandboxFlag {
    const env = this.environment(envId);
    const previous = this.rawFlag(env.id, key);
    if (
      options.expectedRevision !== undefined &&
      options.expectedRevision.toLowerCase() !== previous.revision.toLowerCase()
    ) {
      throw SandboxHttpError.conflict();
    }
    const draft = mutate(structuredClone(previous));
    if (draft === undefined) return previous;
    const parsed = sandboxFlagSchema.safeParse(draft);
    if (!parsed.success) throw new ValidationError(fieldIssuesFromZod(parsed.error));
    const current: SandboxFlag = {
      ...parsed.data,
      id: previous.id,
      envId: previous.envId,
      revision: randomUUID(),
      updatedAt: this.peekTimestamp(env.id),
      updatorId: operator.id,
    };
    const instructions = compareStoredFlags(previous, current);
    options.authorize?.(instructions, previous, current);
    if (violatesColumns(current, FLAG_COLUMNS)) throw new SandboxHttpError(500, ['InternalServerError']);
    this.commitTimestamp(env.id, current.updatedAt);
    this.flags.get(env.id)!.set(current.id, current);
    this.appendAudit(env.id, {
      refId: current.id,
      refType: 'FeatureFlag',
      keyword: `${current.key},${current.name}`,
      operation: options.operation ?? 'Update',
      previous,
      current,
      comment: options.comment ?? '',
      operator,
      instructions: instructions ?? [],
    });
    this.publish({ envId: env.id, kind: 'flag', item: current });
    if (instructions) this.dispatchFlagChange(env, operator, previous, current, instructions);
    return current;
  }

  private dispatchFlagChange(
    env: SandboxEnvironment,
    operator: Operator,
    previous: SandboxFlag,
    current: SandboxFlag,
    instructions: FlagInstruction[],
  ): void {
    try {
      const [before, after] = [previous as unknown as RestFlag, current as unknown as RestFlag];
      const events = flagEventsOf(instructions.map((instruction) => instruction.kind));
      const changes = [
        ...new Set(instructions.map((instruction) => describeFlagInstruction(instruction, before, after))),
      ];
      this.dispatcher.dispatch({
        projectId: this.resource.project.id,
        envId: env.id,
        events,
        dataObject: flagWebhookDataObject(
          {
            events,
            operator: operator.name,
            happenedAt: new Date(current.updatedAt),
            changes,
            resource: this.descriptor(env),
          },
          after,
        ),
      });
    } catch {
      // FeatBit's webhook handler runs fire-and-forget: a flag it cannot render sends no webhook, the write stands.
    }
  }

  /**
   * Creates a flag as `operator` the way `CreateFeatureFlag` does: no targets or rules, the default rule serving
   * `enabledVariationId` to everyone, a fresh revision; 422 `KeyHasBeenUsed` for a taken key. Writes the `Create`
   * audit entry, then sends `feature_flag.created` with the change `Created Flag: $<name>` (FeatBit's own text).
   */
  createFlag(envId: string, operator: Operator, input: NewFlag): SandboxFlag {
    const env = this.environment(envId);
    if (this.isKeyUsed(env.id, input.key)) throw new SandboxHttpError(422, ['KeyHasBeenUsed']);
    const now = this.nextTimestamp(env.id);
    const flag = sandboxFlagSchema.parse({
      id: randomUUID(),
      envId: env.id,
      revision: randomUUID(),
      name: input.name,
      description: input.description,
      key: input.key,
      variationType: input.variationType,
      variations: input.variations,
      targetUsers: [],
      rules: [],
      isEnabled: input.isEnabled,
      disabledVariationId: input.disabledVariationId,
      fallthrough: {
        dispatchKey: null,
        includedInExpt: true,
        variations: [{ id: input.enabledVariationId, rollout: [0, 1], exptRollout: 1 }],
      },
      exptIncludeAllTargets: true,
      tags: input.tags,
      isArchived: false,
      createdAt: now,
      updatedAt: now,
      creatorId: operator.id,
      updatorId: operator.id,
    });
    this.addCreatedFlag(env, operator, flag);
    return flag;
  }

  /**
   * `CloneFlagHandler`: 422 `KeyHasBeenUsed` for a taken key (any case), 404 for a missing origin, then a copy of
   * the origin's whole stored configuration (targeting, rules, archive state included) under a new id, key, name,
   * description and tags, announced like a creation.
   */
  cloneFlag(
    envId: string,
    originKey: string,
    operator: Operator,
    input: { name: string; key: string; description: string | null; tags: readonly string[] | null },
  ): SandboxFlag {
    const env = this.environment(envId);
    if (this.isKeyUsed(env.id, input.key)) throw new SandboxHttpError(422, ['KeyHasBeenUsed']);
    const origin = this.rawFlag(env.id, originKey);
    const now = this.nextTimestamp(env.id);
    const flag: SandboxFlag = {
      ...structuredClone(origin),
      id: randomUUID(),
      revision: randomUUID(),
      name: input.name,
      key: input.key,
      description: input.description,
      tags: input.tags ? [...input.tags] : [],
      createdAt: now,
      updatedAt: now,
      creatorId: operator.id,
      updatorId: operator.id,
    };
    this.addCreatedFlag(env, operator, flag);
    return flag;
  }

  private addCreatedFlag(env: SandboxEnvironment, operator: Operator, flag: SandboxFlag): void {
    this.flags.get(env.id)!.set(flag.id, flag);
    this.appendAudit(env.id, {
      refId: flag.id,
      refType: 'FeatureFlag',
      keyword: `${flag.key},${flag.name}`,
      operation: 'Create',
      previous: undefined,
      current: flag,
      comment: '',
      operator,
      instructions: [],
    });
    this.publish({ envId: env.id, kind: 'flag', item: flag });
    const events = [WebhookEvent.FlagCreated];
    this.dispatcher.dispatch({
      projectId: this.resource.project.id,
      envId: env.id,
      events,
      dataObject: flagWebhookDataObject(
        {
          events,
          operator: operator.name,
          happenedAt: new Date(flag.updatedAt),
          changes: [`Created Flag: $${flag.name}`],
          resource: this.descriptor(env),
        },
        flag as unknown as RestFlag,
      ),
    });
  }

  /** Deletes an archived flag (FeatBit refuses unarchived ones with 422) and sends `feature_flag.deleted`. */
  deleteFlag(envId: string, key: string, operator: Operator, comment = ''): void {
    const env = this.environment(envId);
    const previous = this.rawFlag(env.id, key);
    if (!previous.isArchived) throw new SandboxHttpError(422, ['CannotDeleteUnarchivedFeatureFlag']);
    this.flags.get(env.id)!.delete(previous.id);
    this.appendAudit(env.id, {
      refId: previous.id,
      refType: 'FeatureFlag',
      keyword: `${previous.key},${previous.name}`,
      operation: 'Remove',
      previous,
      current: undefined,
      comment,
      operator,
      instructions: [],
    });
    const events = [WebhookEvent.FlagDeleted];
    this.dispatcher.dispatch({
      projectId: this.resource.project.id,
      envId: env.id,
      events,
      dataObject: flagWebhookDataObject(
        {
          events,
          operator: operator.name,
          happenedAt: new Date(previous.updatedAt),
          changes: [`Deleted Flag: $${previous.name}`],
          resource: this.descriptor(env),
        },
        previous as unknown as RestFlag,
      ),
    });
  }

  /** Every segment of an environment, typed as featgate's model (see `rawSegments`). */
  listSegments(envId: string): StoredSegment[] {
    return this.rawSegments(envId) as unknown as StoredSegment[];
  }

  /** Every stored segment of an environment exactly as FeatBit would store it. */
  rawSegments(envId: string): SandboxSegment[] {
    return [...this.segments.get(this.environment(envId).id)!.values()];
  }

  /** A segment by id, or a 404, typed as featgate's model (see `rawSegment`). */
  getSegment(envId: string, segmentId: string): StoredSegment {
    return this.rawSegment(envId, segmentId) as unknown as StoredSegment;
  }

  /** A stored segment by id, or a 404. */
  rawSegment(envId: string, segmentId: string): SandboxSegment {
    const segment = this.findSegment(envId, segmentId);
    if (!segment) throw SandboxHttpError.notFound();
    return segment;
  }

  /**
   * A stored segment by id in any environment, or a 404: `SegmentService.GetAsync(id)` ignores the route's
   * environment, so GET, PUT targeting and PATCH reach a segment of another environment too.
   */
  locateSegment(segmentId: string): SandboxSegment {
    for (const env of this.environments) {
      const segment = this.findSegment(env.id, segmentId);
      if (segment) return segment;
    }
    throw SandboxHttpError.notFound();
  }

  /** A stored segment by id (GUIDs compare ignoring case), if any. */
  findSegment(envId: string, segmentId: string): SandboxSegment | undefined {
    const segments = this.segments.get(this.environment(envId).id)!;
    return (
      segments.get(segmentId) ??
      [...segments.values()].find((item) => item.id.toLowerCase() === segmentId.toLowerCase())
    );
  }

  /** Flags of the environment whose rules name the segment (`GetFlagReferencesAsync`). */
  flagReferences(envId: string, segmentId: string): FlagReference[] {
    const flags = this.rawFlags(envId);
    // `SegmentService.GetFlagReferencesAsync` runs jsonb_array_elements(rule -> 'conditions') over every flag of the
    // environment: one rule whose conditions are JSON null fails the whole query ("cannot extract elements from a scalar").
    if (flags.some((flag) => (flag.rules ?? []).some((rule) => rule !== null && rule.conditions === null))) {
      throw new SandboxHttpError(500, ['InternalServerError']);
    }
    return flags
      .filter((flag) =>
        (flag.rules ?? []).some((rule) =>
          (rule?.conditions ?? []).some(
            (condition) =>
              SEGMENT_CONDITION_PROPERTIES.includes(condition?.property ?? '') &&
              (condition?.value ?? '').includes(segmentId),
          ),
        ),
      )
      .map((flag) => ({ envId: flag.envId, id: flag.id, name: flag.name ?? '', key: flag.key ?? '' }));
  }

  /**
   * Edits a segment as `operator`. A targeting change also marks every referencing flag as updated (new
   * `updatedAt`, same revision, an audit entry "Referenced segment '…' has been updated.") without a flag
   * webhook, as FeatBit does; the segment webhook lists its flag references.
   */
  writeSegment(
    envId: string,
    segmentId: string,
    operator: Operator,
    mutate: (segment: SandboxSegment) => SandboxSegment | undefined,
    options: { operation?: 'Update' | 'Archive' | 'Restore'; comment?: string; targetingChange?: boolean } = {},
  ): SandboxSegment {
    const env = this.environment(envId);
    const previous = this.rawSegment(env.id, segmentId);
    const draft = mutate(structuredClone(previous));
    if (draft === undefined) return previous;
    const parsed = sandboxSegmentSchema.safeParse({
      ...draft,
      id: previous.id,
      envId: previous.envId,
      updatedAt: this.peekTimestamp(env.id),
    });
    if (!parsed.success) throw new ValidationError(fieldIssuesFromZod(parsed.error));
    const current = parsed.data;
    if (violatesColumns(current, SEGMENT_COLUMNS, { description: 512 }))
      throw new SandboxHttpError(500, ['InternalServerError']);
    this.commitTimestamp(env.id, current.updatedAt);
    this.segments.get(env.id)!.set(current.id, current);
    const instructions = compareStoredSegments(previous, current);
    this.appendAudit(env.id, {
      refId: current.id,
      refType: 'Segment',
      keyword: current.name ?? '',
      operation: options.operation ?? 'Update',
      previous,
      current,
      comment: options.comment ?? '',
      operator,
      instructions: instructions ?? [],
    });
    let references: FlagReference[] | undefined;
    try {
      references = this.flagReferences(env.id, current.id);
    } catch {
      references = undefined;
    }
    if (options.targetingChange) {
      // `OnSegmentChange` looks the affected flags up after saving: when that query fails the change stays saved
      // and audited, but nothing is published to SDKs, no webhook is sent, and the request answers 500.
      if (references === undefined) throw new SandboxHttpError(500, ['InternalServerError']);
      for (const reference of references)
        this.markReferencedFlagUpdated(env.id, reference.id, current.name ?? '', operator);
    }
    this.publish({ envId: env.id, kind: 'segment', item: sdkSegment(current) });
    if (instructions && references)
      this.dispatchSegmentChange(env, operator, previous, current, instructions, references);
    return current;
  }

  private dispatchSegmentChange(
    env: SandboxEnvironment,
    operator: Operator,
    previous: SandboxSegment,
    current: SandboxSegment,
    instructions: Instruction[],
    references: FlagReference[],
  ): void {
    try {
      const [before, after] = [previous as unknown as FeatBitSegment, current as unknown as FeatBitSegment];
      const events = segmentEventsOf(instructions.map((instruction) => instruction.kind as never));
      const changes = [
        ...new Set(instructions.map((instruction) => describeSegmentInstruction(instruction as never, before, after))),
      ];
      this.dispatcher.dispatch({
        projectId: this.resource.project.id,
        envId: env.id,
        events,
        dataObject: segmentWebhookDataObject(
          {
            events,
            operator: operator.name,
            happenedAt: new Date(current.updatedAt),
            changes,
            resource: this.descriptor(env),
          },
          after as never,
          references,
        ),
      });
    } catch {
      // fire-and-forget in FeatBit: a segment it cannot render sends no webhook
    }
  }

  /** Audit entries of an environment, newest first. */
  auditLogs(envId: string): AuditLogRecord[] {
    return [...this.audit.get(this.environment(envId).id)!].reverse();
  }

  /**
   * The server-SDK data-sync payload (`DataSyncService.GetServerSdkPayloadAsync`): `full` for timestamp 0,
   * else a `patch` of what changed strictly after `timestamp`; `undefined` when the patch would be empty.
   */
  sdkPayload(
    envId: string,
    timestamp: number,
  ): { eventType: 'full' | 'patch'; featureFlags: unknown[]; segments: unknown[] } | undefined {
    const eventType = timestamp === 0 ? 'full' : 'patch';
    const changed = (updatedAt: string) => eventType === 'full' || Date.parse(updatedAt) > timestamp;
    const featureFlags = this.rawFlags(envId)
      .filter((flag) => changed(flag.updatedAt))
      .map(sdkFlag);
    const segments = this.rawSegments(envId)
      .filter((segment) => changed(segment.updatedAt))
      .map(sdkSegment);
    if (eventType === 'patch' && featureFlags.length === 0 && segments.length === 0) return undefined;
    return { eventType, featureFlags, segments };
  }

  private markReferencedFlagUpdated(envId: string, flagId: string, segmentName: string, operator: Operator): void {
    const previous = this.flags.get(envId)!.get(flagId);
    if (!previous) return;
    const current: SandboxFlag = { ...previous, updatedAt: this.nextTimestamp(envId), updatorId: operator.id };
    this.flags.get(envId)!.set(flagId, current);
    this.appendAudit(envId, {
      refId: current.id,
      refType: 'FeatureFlag',
      keyword: `${current.key},${current.name}`,
      operation: 'Update',
      previous,
      current,
      comment: `Referenced segment '${segmentName}' has been updated.`,
      operator,
      instructions: [],
    });
  }

  private appendAudit(
    envId: string,
    entry: Omit<
      AuditLogRecord,
      'id' | 'envId' | 'dataChange' | 'creatorId' | 'creatorName' | 'creatorEmail' | 'createdAt'
    > & {
      previous: unknown;
      current: unknown;
      operator: Operator;
    },
  ): void {
    const { previous, current, operator, ...rest } = entry;
    this.audit.get(envId)!.push({
      ...rest,
      id: randomUUID(),
      envId,
      dataChange: {
        previous: previous === undefined ? '' : JSON.stringify(previous),
        current: current === undefined ? '' : JSON.stringify(current),
      },
      creatorId: operator.id,
      creatorName: operator.name,
      creatorEmail: 'Access token',
      createdAt: new Date().toISOString(),
    });
  }

  private descriptor(env: SandboxEnvironment) {
    return {
      organization: this.resource.organization,
      project: this.resource.project,
      environment: { id: env.id, name: env.name },
    };
  }

  /** A strictly increasing `updatedAt` per environment, so SDK polling (`updatedAt > timestamp`) sees every write. */
  private nextTimestamp(envId: string): string {
    const next = this.peekTimestamp(envId);
    this.commitTimestamp(envId, next);
    return next;
  }

  /** The `updatedAt` the next write will get, without taking it (a write refused before saving takes none). */
  private peekTimestamp(envId: string): string {
    return new Date(Math.max(Date.now(), (this.lastUpdate.get(envId) ?? 0) + 1)).toISOString();
  }

  private commitTimestamp(envId: string, updatedAt: string): void {
    this.lastUpdate.set(envId, Date.parse(updatedAt));
  }

  private noteUpdate(envId: string, updatedAt: string): void {
    const ms = Date.parse(updatedAt);
    if (Number.isFinite(ms) && ms > (this.lastUpdate.get(envId) ?? 0)) this.lastUpdate.set(envId, ms);
  }
}

const SDK_FLAG_FIELDS = [
  'id',
  'envId',
  'name',
  'description',
  'key',
  'variationType',
  'variations',
  'targetUsers',
  'rules',
  'isEnabled',
  'disabledVariationId',
  'fallthrough',
  'exptIncludeAllTargets',
  'tags',
  'updatedAt',
  'isArchived',
] as const;

/** The evaluation server's flag shape (`RowSerializer.SerializeFlag`): no revision, creator or createdAt. */
function sdkFlag(flag: SandboxFlag): Record<string, unknown> {
  return Object.fromEntries(SDK_FLAG_FIELDS.map((field) => [field, flag[field]]));
}

/** `Segment.SerializeAsEnvironmentSpecific`: the entity without type, workspaceId and scopes. */
function sdkSegment(segment: SandboxSegment): Record<string, unknown> {
  const { type: _type, workspaceId: _workspace, scopes: _scopes, ...rest } = segment;
  return rest;
}
