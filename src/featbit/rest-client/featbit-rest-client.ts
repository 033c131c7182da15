import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import { z } from 'zod';
import { parseOrThrow } from '../../errors/index.js';
import {
  jsonBoundsViolation,
  rawFlagSchema,
  restFlagSchema,
  variationSchema,
  type RawFlag,
  type RestFlag,
  type Variation,
} from '../model/index.js';
import {
  auditLogItemSchema,
  envelopeSchema,
  flagListItemSchema,
  pagedSchema,
  responseErrors,
  restSegmentSchema,
  type AuditLogItem,
  type AuditLogQuery,
  type FlagListItem,
  type FlagListQuery,
  type FlagTargeting,
  type JsonPatchOperation,
  type Paged,
  type RestSegment,
  type SegmentListQuery,
  type SegmentTargeting,
} from './api-types.js';
import { featBitErrorForStatus, type FeatBitApiError } from './featbit-api-error.js';
import { PERMISSION_PROBES, PermissionState, probeAnswer, type FeatBitAction } from './flag-permission.js';
import {
  resolveRestClientOptions,
  type FeatBitRestClientOptions,
  type ResolvedRestClientOptions,
} from './rest-client-options.js';
import { backoffDelayMs, isTransientFailure } from './http-retry-policy.js';
import { AdaptiveLimit } from './adaptive-limit.js';

type QueryValue = string | number | boolean | readonly string[] | undefined;

interface RequestSpec<S extends z.ZodType> {
  readonly method: 'GET' | 'PUT' | 'PATCH' | 'POST' | 'DELETE';
  readonly path: string;
  readonly query?: Record<string, QueryValue>;
  readonly body?: unknown;
  readonly schema: S;
}

const revisionSchema = z.string().min(1);
const booleanSchema = z.boolean();

/**
 * Typed client of FeatBit's REST API (`/api/v1`): flags, segments and audit logs with FeatBit's
 * envelope mapped to typed errors, bounded concurrency, and retries with full-jitter backoff on 5xx,
 * timeouts and refused connections. A 409 is surfaced at once as `FeatBitConflictError`: re-read and re-plan
 * (see `updateFlagWithRevision`), never retry the same write.
 */
export class FeatBitRestClient {
  private readonly options: ResolvedRestClientOptions;
  private readonly http: AxiosInstance;
  private readonly semaphore: AdaptiveLimit;

  constructor(options: FeatBitRestClientOptions) {
    this.options = resolveRestClientOptions(options);
    this.semaphore = new AdaptiveLimit(this.options.maxConcurrency);
    this.http = axios.create({
      baseURL: this.options.baseUrl.replace(/\/+$/, ''),
      timeout: this.options.timeoutMs,
      headers: { Authorization: this.options.accessToken, 'Content-Type': 'application/json' },
      validateStatus: () => true,
      transitional: { clarifyTimeoutError: true },
      proxy: false,
    });
  }

  /** One page of an environment's flags (summaries without targeting). */
  listFlags(envId: string, query: FlagListQuery = {}): Promise<Paged<FlagListItem>> {
    return this.call({
      method: 'GET',
      path: `${flagsPath(envId)}`,
      query: { ...query, tags: query.tags },
      schema: pagedSchema(flagListItemSchema),
    });
  }

  /** Every flag matching `query`, reading page after page until `totalCount` is reached. */
  async listAllFlags(envId: string, query: Omit<FlagListQuery, 'pageIndex'> = {}): Promise<FlagListItem[]> {
    const pageSize = query.pageSize ?? 100;
    const all: FlagListItem[] = [];
    for (let pageIndex = 0; ; pageIndex += 1) {
      const page = await this.listFlags(envId, { ...query, pageSize, pageIndex });
      all.push(...page.items);
      if (page.items.length === 0 || all.length >= page.totalCount) return all;
    }
  }

  /** The full flag including its current `revision`, needed for guarded writes. */
  getFlag(envId: string, key: string): Promise<RestFlag> {
    return this.call({ method: 'GET', path: flagPath(envId, key), schema: restFlagSchema });
  }

  /**
   * The flag as FeatBit stores it, whatever its shape: bounded in depth and size (else `FeatBitDocumentTooLargeError`),
   * checked only for its id and key. For the bridge, which must judge flags featgate's model rejects.
   */
  async getRawFlag(envId: string, key: string): Promise<RawFlag> {
    const document = await this.call({ method: 'GET', path: flagPath(envId, key), schema: z.unknown() });
    const violation = jsonBoundsViolation(document);
    if (violation !== undefined) throw new FeatBitDocumentTooLargeError(`flag ${key} in ${envId}`, violation);
    return parseOrThrow(rawFlagSchema, document);
  }

  /** Replaces targeting (individual targets, rules, default rule); returns the flag's new revision. */
  updateTargeting(
    envId: string,
    key: string,
    write: { revision: string; targeting: FlagTargeting; comment?: string },
  ): Promise<string> {
    return this.call({ method: 'PUT', path: `${flagPath(envId, key)}/targeting`, body: write, schema: revisionSchema });
  }

  /** Replaces the variations; returns the new revision. */
  updateVariations(
    envId: string,
    key: string,
    write: { revision: string; variations: readonly Variation[]; comment?: string },
  ): Promise<string> {
    const variations = write.variations.map((variation) => parseOrThrow(variationSchema, variation));
    return this.call({
      method: 'PUT',
      path: `${flagPath(envId, key)}/variations`,
      body: { ...write, variations },
      schema: revisionSchema,
    });
  }

  /** Sets the variation served while the flag is off; returns the new revision. */
  updateOffVariation(
    envId: string,
    key: string,
    write: { revision: string; offVariationId: string; comment?: string },
  ): Promise<string> {
    return this.call({
      method: 'PUT',
      path: `${flagPath(envId, key)}/off-variation`,
      body: write,
      schema: revisionSchema,
    });
  }

  /** Turns the flag on or off; FeatBit answers the current revision unchanged when nothing changes. */
  toggle(envId: string, key: string, enabled: boolean, comment?: string): Promise<string> {
    return this.call({
      method: 'PUT',
      path: `${flagPath(envId, key)}/toggle/${enabled}`,
      body: comment === undefined ? {} : { comment },
      schema: revisionSchema,
    });
  }

  /** Applies an RFC 6902 JSON Patch; FeatBit checks no revision here, so several fields change in one edit. */
  async patchFlag(envId: string, key: string, operations: readonly JsonPatchOperation[]): Promise<void> {
    await this.call({ method: 'PATCH', path: flagPath(envId, key), body: operations, schema: booleanSchema });
  }

  /** Archives the flag (idempotent). */
  async archiveFlag(envId: string, key: string, comment?: string): Promise<void> {
    await this.call({
      method: 'PUT',
      path: `${flagPath(envId, key)}/archive`,
      body: comment === undefined ? {} : { comment },
      schema: booleanSchema,
    });
  }

  /** Restores an archived flag (idempotent). */
  async restoreFlag(envId: string, key: string, comment?: string): Promise<void> {
    await this.call({
      method: 'PUT',
      path: `${flagPath(envId, key)}/restore`,
      body: comment === undefined ? {} : { comment },
      schema: booleanSchema,
    });
  }

  /** Deletes an archived flag; FeatBit answers 422 `CannotDeleteUnarchivedFeatureFlag` for a live one. */
  async deleteFlag(envId: string, key: string, comment?: string): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: flagPath(envId, key),
      body: comment === undefined ? {} : { comment },
      schema: booleanSchema,
    });
  }

  /** One page of an environment's segments. */
  listSegments(envId: string, query: SegmentListQuery = {}): Promise<Paged<RestSegment>> {
    return this.call({
      method: 'GET',
      path: segmentsPath(envId),
      query: { ...query },
      schema: pagedSchema(restSegmentSchema),
    });
  }

  /** One segment by id. */
  getSegment(envId: string, segmentId: string): Promise<RestSegment> {
    return this.call({
      method: 'GET',
      path: `${segmentsPath(envId)}/${encodeURIComponent(segmentId)}`,
      schema: restSegmentSchema,
    });
  }

  /** Replaces a segment's included/excluded keys and rules (FeatBit has no revision check for segments). */
  async updateSegmentTargeting(
    envId: string,
    segmentId: string,
    targeting: SegmentTargeting & { comment?: string },
  ): Promise<void> {
    await this.call({
      method: 'PUT',
      path: `${segmentsPath(envId)}/${encodeURIComponent(segmentId)}/targeting`,
      body: targeting,
      schema: booleanSchema,
    });
  }

  /** One page of audit log entries, newest first; `dataChange.previous` recovers a flag's prior state. */
  listAuditLogs(envId: string, query: AuditLogQuery = {}): Promise<Paged<AuditLogItem>> {
    return this.call({
      method: 'GET',
      path: `/api/v1/envs/${encodeURIComponent(envId)}/audit-logs`,
      query: { ...query },
      schema: pagedSchema(auditLogItemSchema),
    });
  }

  /**
   * Whether this client's token holds `action` on the flag, asked with a request that FeatBit refuses after its
   * permission check and before anything is saved (`PERMISSION_PROBES`); `Unknown` for an action no request can probe
   * without writing, and for any answer that is not a permission verdict. Never retried: a probe is cheap to repeat.
   */
  async probePermission(envId: string, key: string, action: FeatBitAction): Promise<PermissionState> {
    const probe = PERMISSION_PROBES[action];
    if (!probe) return PermissionState.Unknown;
    try {
      const response = await this.semaphore.run(
        () => this.http.request({ method: probe.method, url: flagPath(envId, key) + probe.subPath, data: probe.body }),
        overloadedAnswer,
      );
      const envelope = envelopeSchema.safeParse(response.data);
      return probeAnswer(response.status, envelope.success ? envelope.data.success : undefined);
    } catch {
      return PermissionState.Unknown;
    }
  }

  private async call<S extends z.ZodType>(spec: RequestSpec<S>): Promise<z.output<S>> {
    const { attempts } = this.options.retry;
    const request = `${spec.method} ${spec.path}`;
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await this.attempt(spec);
      if (outcome.ok) return parseOrThrow(spec.schema, outcome.data);
      const error = outcome.error;
      if (!isTransientFailure(error.status, outcome.networkCode) || attempt >= attempts) throw error;
      const delay = backoffDelayMs(this.options.retry, attempt);
      this.options.logger?.warn(
        { request, status: error.status, attempt, delayMs: delay, reason: error.featBitMessage },
        'retrying FeatBit request',
      );
      await sleep(delay);
    }
  }

  private async attempt<S extends z.ZodType>(
    spec: RequestSpec<S>,
  ): Promise<{ ok: true; data: unknown } | { ok: false; error: FeatBitApiError; networkCode?: string }> {
    const request = `${spec.method} ${spec.path}`;
    let response: AxiosResponse<unknown>;
    try {
      response = await this.semaphore.run(
        () => this.http.request({ method: spec.method, url: spec.path + queryString(spec.query), data: spec.body }),
        overloadedAnswer,
      );
    } catch (error) {
      const networkCode = axios.isAxiosError(error) ? error.code : undefined;
      const message = error instanceof Error ? error.message : String(error);
      return {
        ok: false,
        ...(networkCode === undefined ? {} : { networkCode }),
        error: featBitErrorForStatus({ status: 0, errors: [`${networkCode ?? 'NETWORK'}: ${message}`], request }),
      };
    }
    const envelope = envelopeSchema.safeParse(response.data);
    if (response.status >= 200 && response.status < 300) {
      if (envelope.success && envelope.data.success) return { ok: true, data: envelope.data.data };
      const reason = envelope.success ? envelope.data.errors : ['response is not a FeatBit envelope'];
      return { ok: false, error: featBitErrorForStatus({ status: response.status, errors: reason, request }) };
    }
    return {
      ok: false,
      error: featBitErrorForStatus({ status: response.status, errors: responseErrors(response.data), request }),
    };
  }
}

/** FeatBit answered a document beyond featgate's depth or size bounds; it is not walked any further. */
export class FeatBitDocumentTooLargeError extends Error {
  constructor(
    readonly what: string,
    readonly violation: string,
  ) {
    super(`${what} from FeatBit has ${violation}`);
    this.name = 'FeatBitDocumentTooLargeError';
  }
}

/** An answer that says FeatBit is struggling: 429, 5xx, or no answer at all. */
function overloadedAnswer(response: AxiosResponse<unknown> | undefined, error: unknown): boolean {
  if (error !== undefined || response === undefined) return true;
  return response.status === 429 || response.status >= 500;
}

function flagsPath(envId: string): string {
  return `/api/v1/envs/${encodeURIComponent(envId)}/feature-flags`;
}

function flagPath(envId: string, key: string): string {
  return `${flagsPath(envId)}/${encodeURIComponent(key)}`;
}

function segmentsPath(envId: string): string {
  return `/api/v1/envs/${encodeURIComponent(envId)}/segments`;
}

/** ASP.NET binds repeated keys (`tags=a&tags=b`) for arrays, so arrays are written that way. */
function queryString(query: Record<string, QueryValue> | undefined): string {
  if (!query) return '';
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value as readonly string[]) params.append(name, item);
    else params.append(name, String(value));
  }
  const text = params.toString();
  return text ? `?${text}` : '';
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
