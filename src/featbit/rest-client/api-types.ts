import { z } from 'zod';
import type { segmentRuleSchema } from '../model/index.js';
import { fallthroughSchema, segmentSchema, targetRuleSchema, targetUserSchema } from '../model/index.js';

/** FeatBit's response envelope (`Api/Controllers/ApiResponse.cs`). */
export const envelopeSchema = z.looseObject({
  success: z.boolean(),
  errors: z
    .array(z.string())
    .nullable()
    .default([])
    .transform((value) => value ?? []),
  data: z.unknown().optional(),
});
export type Envelope = z.infer<typeof envelopeSchema>;

/**
 * ASP.NET Core's `ValidationProblemDetails`, which FeatBit answers instead of its envelope when a body or route
 * value cannot be bound (a `revision` that is not a GUID, a body that is not JSON): 400 with errors by JSON path.
 */
export const problemDetailsSchema = z.looseObject({
  title: z.string().optional(),
  status: z.number().optional(),
  errors: z.record(z.string(), z.array(z.string())).optional(),
});

/** FeatBit's error strings of a failed answer: the envelope's `errors`, else `"<path>: <message>"` from problem details. */
export function responseErrors(body: unknown): string[] {
  const envelope = envelopeSchema.safeParse(body);
  if (envelope.success) return envelope.data.errors;
  const problem = problemDetailsSchema.safeParse(body);
  if (!problem.success) return [];
  const byPath = Object.entries(problem.data.errors ?? {}).flatMap(([path, messages]) =>
    messages.map((message) => `${path}: ${message}`),
  );
  if (byPath.length > 0) return byPath;
  return problem.data.title === undefined ? [] : [problem.data.title];
}

/** A page of results (`PagedResult<T>`): the total across pages and this page's items. */
export interface Paged<T> {
  readonly totalCount: number;
  readonly items: readonly T[];
}

/** Builds the schema of a page of `item`. */
export function pagedSchema<S extends z.ZodType>(item: S) {
  return z.looseObject({ totalCount: z.number().int().nonnegative(), items: z.array(item) });
}

/** Paging query common to FeatBit list endpoints; `pageIndex` is 0-based, FeatBit's default size is 10. */
export interface PageQuery {
  readonly pageIndex?: number;
  readonly pageSize?: number;
}

/** Filters of `GET /api/v1/envs/{envId}/feature-flags` (`FeatureFlagFilter.cs`). */
export interface FlagListQuery extends PageQuery {
  /** Part of the flag's name or key. */
  readonly name?: string;
  /** Complete tag names; a flag must carry all of them. */
  readonly tags?: readonly string[];
  readonly isEnabled?: boolean;
  /** Lists archived flags instead of live ones (FeatBit's default is false). */
  readonly isArchived?: boolean;
  readonly sortBy?: string;
}

/** An item of the flag list (`FeatureFlagVm`): a summary, without targeting or revision. */
export const flagListItemSchema = z.looseObject({
  id: z.string(),
  name: z.string().nullable().optional(),
  description: z.string().nullable().optional(),
  key: z.string(),
  isEnabled: z.boolean(),
  // Read leniently: FeatBit lists whatever it stores (null values, any type), and one odd flag must not hide the rest.
  variationType: z.unknown(),
  variations: z.array(z.unknown()).nullable().optional(),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
  tags: z.array(z.unknown()).nullable().optional(),
});
export type FlagListItem = z.infer<typeof flagListItemSchema>;

/** The targeting part of a flag, as `PUT …/targeting` takes it (`FlagTargeting.cs`). */
export const flagTargetingSchema = z.object({
  targetUsers: z.array(targetUserSchema),
  rules: z.array(targetRuleSchema),
  fallthrough: fallthroughSchema,
  exptIncludeAllTargets: z.boolean(),
});
export type FlagTargeting = z.infer<typeof flagTargetingSchema>;

/** A segment as the REST API returns it (`Segment.cs`), with workspace, type and scopes. */
export const restSegmentSchema = segmentSchema.extend({
  workspaceId: z.string().optional(),
  type: z.string().optional(),
  scopes: z.array(z.string()).nullable().optional(),
});
export type RestSegment = z.infer<typeof restSegmentSchema>;

/** Body of `PUT /api/v1/envs/{envId}/segments/{id}/targeting`; segment rules cannot reference segments. */
export interface SegmentTargeting {
  readonly included: readonly string[];
  readonly excluded: readonly string[];
  readonly rules: readonly z.input<typeof segmentRuleSchema>[];
}

/** Filters of `GET /api/v1/envs/{envId}/segments`. */
export interface SegmentListQuery extends PageQuery {
  readonly name?: string;
  readonly isArchived?: boolean;
}

/** Filters of `GET /api/v1/envs/{envId}/audit-logs` (`AuditLogFilter.cs`); results are newest first. */
export interface AuditLogQuery extends PageQuery {
  /** Part of the keyword (flag key and name, segment name) or comment. */
  readonly query?: string;
  readonly creatorId?: string;
  /** Flag id or segment id. */
  readonly refId?: string;
  readonly refType?: 'FeatureFlag' | 'Segment';
  /** Unix milliseconds, inclusive range of creation times. */
  readonly from?: number;
  readonly to?: number;
  readonly crossEnvironment?: boolean;
}

/** An audit log item (`AuditLogVm.cs`); `previous`/`current` are the entity serialized as JSON strings. */
export const auditLogItemSchema = z.looseObject({
  id: z.string(),
  refId: z.string(),
  refType: z.string(),
  operation: z.string(),
  dataChange: z.looseObject({ previous: z.string().nullable(), current: z.string().nullable() }),
  comment: z.string().nullable(),
  creatorId: z.string(),
  creatorName: z.string().nullable(),
  creatorEmail: z.string().nullable().optional(),
  createdAt: z.string(),
  instructions: z
    .array(z.looseObject({ kind: z.string(), value: z.unknown().optional() }))
    .nullable()
    .optional(),
});
export type AuditLogItem = z.infer<typeof auditLogItemSchema>;

/** One RFC 6902 operation for `PATCH …/feature-flags/{key}` (camelCase paths such as `/isEnabled`). */
export interface JsonPatchOperation {
  readonly op: 'add' | 'remove' | 'replace' | 'move' | 'copy' | 'test';
  readonly path: string;
  readonly value?: unknown;
  readonly from?: string;
}
