import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ValidationError, fieldIssuesFromZod } from '../errors/index.js';
import { restFlagSchema, WebhookEvent, type RestFlag } from '../featbit/model/index.js';
import { SandboxHttpError } from './api-envelope.js';
import type { SandboxAccessToken, SandboxEnvironment } from './sandbox-identity.js';
import { seedSegmentSchema, type SeedData } from './seed.js';
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
  type FlagReference,
  type IdName,
  type Instruction,
  type WebhookDispatcher,
} from './webhooks/index.js';

/** A segment as the sandbox stores it (FeatBit's `Segment` entity). */
export const storedSegmentSchema = seedSegmentSchema.extend({
  envId: z.string(),
  key: z.string(),
  workspaceId: z.string(),
  type: z.string(),
  scopes: z.array(z.string()),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type StoredSegment = z.output<typeof storedSegmentSchema>;

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

/** Who made a change: an access token (its name is the operator) or the sandbox itself. */
export type Operator = Pick<SandboxAccessToken, 'id' | 'name'>;

/** What a flag edit should do with the flag it is given: a new state, or nothing. */
export type FlagMutation = (flag: RestFlag) => unknown;

/** What `POST …/feature-flags` takes (`CreateFeatureFlag`), already validated. */
export interface NewFlag {
  readonly name: string;
  readonly key: string;
  readonly isEnabled: boolean;
  readonly description: string;
  readonly variationType: string;
  readonly variations: readonly { readonly id: string; readonly name: string; readonly value: string }[];
  readonly enabledVariationId: string;
  readonly disabledVariationId: string;
  readonly tags: readonly string[];
}

/** Options of a flag write. */
export interface FlagWriteOptions {
  readonly operation?: 'Update' | 'Archive' | 'Restore';
  readonly comment?: string;
  /** Revision the caller read; a different current revision is a 409. */
  readonly expectedRevision?: string;
}

/**
 * The sandbox's in-memory FeatBit: flags and segments per environment, audit logs, and the order of effects
 * FeatBit follows on a change (save, audit log, publish to SDKs via `updatedAt`, then the webhook).
 */
export class SandboxStore {
  private readonly flags = new Map<string, Map<string, RestFlag>>();
  private readonly segments = new Map<string, Map<string, StoredSegment>>();
  private readonly audit = new Map<string, AuditLogRecord[]>();
  private readonly lastUpdate = new Map<string, number>();

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

  /** Loads seed data; items without `envId` go to `defaultEnvId`. Replaces items with the same key/id. */
  seed(data: SeedData, defaultEnvId: string): void {
    const now = new Date().toISOString();
    for (const segment of data.segments) {
      const envId = this.environment(segment.envId ?? defaultEnvId).id;
      const stored = storedSegmentSchema.parse({
        workspaceId: this.resource.organization.id,
        type: 'environment-specific',
        scopes: [],
        key: segment.key ?? segment.name.toLowerCase().replace(/[^a-z0-9._-]+/g, '-'),
        createdAt: segment.createdAt ?? segment.updatedAt ?? now,
        updatedAt: segment.updatedAt ?? now,
        ...segment,
        envId,
      });
      this.segments.get(envId)!.set(stored.id, stored);
      this.noteUpdate(envId, stored.updatedAt);
    }
    for (const flag of data.flags) {
      const envId = this.environment(flag.envId ?? defaultEnvId).id;
      const stored = restFlagSchema.parse({
        createdAt: flag.createdAt ?? flag.updatedAt ?? now,
        updatedAt: flag.updatedAt ?? now,
        ...flag,
        envId,
        revision: flag.revision ?? randomUUID(),
      });
      this.flags.get(envId)!.set(stored.key, stored);
      this.noteUpdate(envId, stored.updatedAt);
    }
  }

  /** Every flag of an environment, in insertion order. */
  listFlags(envId: string): RestFlag[] {
    return [...this.flags.get(this.environment(envId).id)!.values()];
  }

  /** A flag by key, or a 404. */
  getFlag(envId: string, key: string): RestFlag {
    const flag = this.flags.get(this.environment(envId).id)!.get(key);
    if (!flag) throw SandboxHttpError.notFound();
    return flag;
  }

  /**
   * Applies an edit as `operator`: checks the revision, validates the result, gives it a new revision and a
   * strictly later `updatedAt`, writes the audit log, then fires webhooks for FeatBit's diff (if any).
   * A mutation returning `undefined` changes nothing and answers the current revision.
   */
  writeFlag(envId: string, key: string, operator: Operator, mutate: FlagMutation, options: FlagWriteOptions = {}): RestFlag {
    const env = this.environment(envId);
    const previous = this.getFlag(env.id, key);
    if (options.expectedRevision !== undefined && options.expectedRevision.toLowerCase() !== previous.revision.toLowerCase()) {
      throw SandboxHttpError.conflict();
    }
    const draft = mutate(structuredClone(previous));
    if (draft === undefined) return previous;
    const parsed = restFlagSchema.safeParse(draft);
    if (!parsed.success) throw new ValidationError(fieldIssuesFromZod(parsed.error));
    const current: RestFlag = {
      ...parsed.data,
      id: previous.id,
      envId: previous.envId,
      key: parsed.data.key,
      revision: randomUUID(),
      updatedAt: this.nextTimestamp(env.id),
      updatorId: operator.id,
    };
    const flags = this.flags.get(env.id)!;
    if (current.key !== key) flags.delete(key);
    flags.set(current.key, current);
    const instructions = compareFlags(previous, current);
    this.appendAudit(env.id, {
      refId: current.id,
      refType: 'FeatureFlag',
      keyword: `${current.key},${current.name}`,
      operation: options.operation ?? 'Update',
      previous,
      current,
      comment: options.comment ?? '',
      operator,
      instructions,
    });
    const events = flagEventsOf(instructions.map((instruction) => instruction.kind));
    const changes = [...new Set(instructions.map((instruction) => describeFlagInstruction(instruction, previous, current)))];
    this.dispatcher.dispatch({
      projectId: this.resource.project.id,
      envId: env.id,
      events,
      dataObject: flagWebhookDataObject(
        { events, operator: operator.name, happenedAt: new Date(current.updatedAt), changes, resource: this.descriptor(env) },
        current,
      ),
    });
    return current;
  }

  /**
   * Creates a flag as `operator` the way `CreateFeatureFlag` does: no targets or rules, the default rule serving
   * `enabledVariationId` to everyone, a fresh revision; 422 `KeyHasBeenUsed` for a taken key. Writes the `Create`
   * audit entry, then sends `feature_flag.created` with the change `Created Flag: $<name>` (FeatBit's own text).
   */
  createFlag(envId: string, operator: Operator, input: NewFlag): RestFlag {
    const env = this.environment(envId);
    const flags = this.flags.get(env.id)!;
    if (flags.has(input.key)) throw new SandboxHttpError(422, ['KeyHasBeenUsed']);
    const now = this.nextTimestamp(env.id);
    const flag = restFlagSchema.parse({
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
      fallthrough: { dispatchKey: null, includedInExpt: true, variations: [{ id: input.enabledVariationId, rollout: [0, 1], exptRollout: 1 }] },
      exptIncludeAllTargets: true,
      tags: input.tags,
      isArchived: false,
      createdAt: now,
      updatedAt: now,
      creatorId: operator.id,
      updatorId: operator.id,
    });
    flags.set(flag.key, flag);
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
    const events = [WebhookEvent.FlagCreated];
    this.dispatcher.dispatch({
      projectId: this.resource.project.id,
      envId: env.id,
      events,
      dataObject: flagWebhookDataObject(
        { events, operator: operator.name, happenedAt: new Date(flag.updatedAt), changes: [`Created Flag: $${flag.name}`], resource: this.descriptor(env) },
        flag,
      ),
    });
    return flag;
  }

  /** Deletes an archived flag (FeatBit refuses unarchived ones with 422) and sends `feature_flag.deleted`. */
  deleteFlag(envId: string, key: string, operator: Operator, comment = ''): void {
    const env = this.environment(envId);
    const previous = this.getFlag(env.id, key);
    if (!previous.isArchived) throw new SandboxHttpError(422, ['CannotDeleteUnarchivedFeatureFlag']);
    this.flags.get(env.id)!.delete(key);
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
        { events, operator: operator.name, happenedAt: new Date(previous.updatedAt), changes: [`Deleted Flag: $${previous.name}`], resource: this.descriptor(env) },
        previous,
      ),
    });
  }

  /** Every segment of an environment. */
  listSegments(envId: string): StoredSegment[] {
    return [...this.segments.get(this.environment(envId).id)!.values()];
  }

  /** A segment by id, or a 404. */
  getSegment(envId: string, segmentId: string): StoredSegment {
    const segments = this.segments.get(this.environment(envId).id)!;
    const segment = segments.get(segmentId) ?? [...segments.values()].find((item) => item.id.toLowerCase() === segmentId.toLowerCase());
    if (!segment) throw SandboxHttpError.notFound();
    return segment;
  }

  /** Flags of the environment whose rules name the segment (`GetFlagReferencesAsync`). */
  flagReferences(envId: string, segmentId: string): FlagReference[] {
    return this.listFlags(envId)
      .filter((flag) =>
        flag.rules.some((rule) =>
          rule.conditions.some((condition) => SEGMENT_CONDITION_PROPERTIES.includes(condition.property) && condition.value.includes(segmentId)),
        ),
      )
      .map((flag) => ({ envId: flag.envId, id: flag.id, name: flag.name, key: flag.key }));
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
    mutate: (segment: StoredSegment) => StoredSegment | undefined,
    options: { operation?: 'Update' | 'Archive' | 'Restore'; comment?: string; targetingChange?: boolean } = {},
  ): StoredSegment {
    const env = this.environment(envId);
    const previous = this.getSegment(env.id, segmentId);
    const draft = mutate(structuredClone(previous));
    if (draft === undefined) return previous;
    const current = storedSegmentSchema.parse({ ...draft, id: previous.id, envId: previous.envId, updatedAt: this.nextTimestamp(env.id) });
    this.segments.get(env.id)!.set(current.id, current);
    const instructions = compareSegments(previous, current);
    this.appendAudit(env.id, {
      refId: current.id,
      refType: 'Segment',
      keyword: current.name,
      operation: options.operation ?? 'Update',
      previous,
      current,
      comment: options.comment ?? '',
      operator,
      instructions,
    });
    const references = this.flagReferences(env.id, current.id);
    if (options.targetingChange) for (const reference of references) this.markReferencedFlagUpdated(env.id, reference.key, current.name, operator);
    const events = segmentEventsOf(instructions.map((instruction) => instruction.kind));
    const changes = [...new Set(instructions.map((instruction) => describeSegmentInstruction(instruction, previous, current)))];
    this.dispatcher.dispatch({
      projectId: this.resource.project.id,
      envId: env.id,
      events,
      dataObject: segmentWebhookDataObject(
        { events, operator: operator.name, happenedAt: new Date(current.updatedAt), changes, resource: this.descriptor(env) },
        current,
        references,
      ),
    });
    return current;
  }

  /** Audit entries of an environment, newest first. */
  auditLogs(envId: string): AuditLogRecord[] {
    return [...this.audit.get(this.environment(envId).id)!].reverse();
  }

  /**
   * The server-SDK data-sync payload (`DataSyncService.GetServerSdkPayloadAsync`): `full` for timestamp 0,
   * else a `patch` of what changed strictly after `timestamp`; `undefined` when the patch would be empty.
   */
  sdkPayload(envId: string, timestamp: number): { eventType: 'full' | 'patch'; featureFlags: unknown[]; segments: unknown[] } | undefined {
    const eventType = timestamp === 0 ? 'full' : 'patch';
    const changed = (updatedAt: string) => eventType === 'full' || Date.parse(updatedAt) > timestamp;
    const featureFlags = this.listFlags(envId).filter((flag) => changed(flag.updatedAt)).map(sdkFlag);
    const segments = this.listSegments(envId).filter((segment) => changed(segment.updatedAt)).map(sdkSegment);
    if (eventType === 'patch' && featureFlags.length === 0 && segments.length === 0) return undefined;
    return { eventType, featureFlags, segments };
  }

  private markReferencedFlagUpdated(envId: string, key: string, segmentName: string, operator: Operator): void {
    const previous = this.getFlag(envId, key);
    const current: RestFlag = { ...previous, updatedAt: this.nextTimestamp(envId), updatorId: operator.id };
    this.flags.get(envId)!.set(key, current);
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
    entry: Omit<AuditLogRecord, 'id' | 'envId' | 'dataChange' | 'creatorId' | 'creatorName' | 'creatorEmail' | 'createdAt'> & {
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
      dataChange: { previous: previous === undefined ? '' : JSON.stringify(previous), current: current === undefined ? '' : JSON.stringify(current) },
      creatorId: operator.id,
      creatorName: operator.name,
      creatorEmail: 'Access token',
      createdAt: new Date().toISOString(),
    });
  }

  private descriptor(env: SandboxEnvironment) {
    return { organization: this.resource.organization, project: this.resource.project, environment: { id: env.id, name: env.name } };
  }

  /** A strictly increasing `updatedAt` per environment, so SDK polling (`updatedAt > timestamp`) sees every write. */
  private nextTimestamp(envId: string): string {
    const next = Math.max(Date.now(), (this.lastUpdate.get(envId) ?? 0) + 1);
    this.lastUpdate.set(envId, next);
    return new Date(next).toISOString();
  }

  private noteUpdate(envId: string, updatedAt: string): void {
    const ms = Date.parse(updatedAt);
    if (Number.isFinite(ms) && ms > (this.lastUpdate.get(envId) ?? 0)) this.lastUpdate.set(envId, ms);
  }
}

const SDK_FLAG_FIELDS = [
  'id', 'envId', 'name', 'description', 'key', 'variationType', 'variations', 'targetUsers', 'rules', 'isEnabled',
  'disabledVariationId', 'fallthrough', 'exptIncludeAllTargets', 'tags', 'updatedAt', 'isArchived',
] as const;

/** The evaluation server's flag shape (`RowSerializer.SerializeFlag`): no revision, creator or createdAt. */
function sdkFlag(flag: RestFlag): Record<string, unknown> {
  return Object.fromEntries(SDK_FLAG_FIELDS.map((field) => [field, flag[field]]));
}

/** `Segment.SerializeAsEnvironmentSpecific`: the entity without type, workspaceId and scopes. */
function sdkSegment(segment: StoredSegment): Record<string, unknown> {
  const { type: _type, workspaceId: _workspace, scopes: _scopes, ...rest } = segment;
  return rest;
}
