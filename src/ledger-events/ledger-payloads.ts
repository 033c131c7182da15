import type { z } from 'zod';
import type { JsonObject } from '../canonical/index.js';
import { ValidationError, fieldIssuesFromZod } from '../errors/index.js';
import { LedgerEventType } from '../ledger/ledger-event-type.js';
import { approvedStatePayloadSchema } from '../approved-state/model/index.js';
import {
  approvalsResetPayloadSchema,
  changeClassifiedPayloadSchema,
  changeRecordPayloadSchema,
  changeStatusChangedPayloadSchema,
  evidenceAttachedPayloadSchema,
  reviewSubmittedPayloadSchema,
} from '../changes/events/index.js';
import {
  releaseCompletedPayloadSchema,
  releaseHeldPayloadSchema,
  releaseResumedPayloadSchema,
  releaseRolledBackPayloadSchema,
  stageAppliedPayloadSchema,
} from '../releases/model/index.js';
import {
  breakGlassExpiredPayloadSchema,
  breakGlassReviewedPayloadSchema,
  breakGlassUsedPayloadSchema,
  guardrailBreachedPayloadSchema,
  guardrailComparedPayloadSchema,
  telemetryRecordedPayloadSchema,
  reviewDateNotifiedPayloadSchema,
  signalRecordedPayloadSchema,
} from '../exposure/model/index.js';

/** The `data` schema of every ledger event type the projections consume. */
export const ledgerPayloadSchemas = {
  [LedgerEventType.ChangeCreated]: changeRecordPayloadSchema,
  [LedgerEventType.ChangeEdited]: changeRecordPayloadSchema,
  [LedgerEventType.ChangeClassified]: changeClassifiedPayloadSchema,
  [LedgerEventType.ReviewSubmitted]: reviewSubmittedPayloadSchema,
  [LedgerEventType.ApprovalsReset]: approvalsResetPayloadSchema,
  [LedgerEventType.EvidenceAttached]: evidenceAttachedPayloadSchema,
  [LedgerEventType.ChangeStatusChanged]: changeStatusChangedPayloadSchema,
  [LedgerEventType.StageApplied]: stageAppliedPayloadSchema,
  [LedgerEventType.ReleaseHeld]: releaseHeldPayloadSchema,
  [LedgerEventType.ReleaseResumed]: releaseResumedPayloadSchema,
  [LedgerEventType.ReleaseRolledBack]: releaseRolledBackPayloadSchema,
  [LedgerEventType.ReleaseCompleted]: releaseCompletedPayloadSchema,
  [LedgerEventType.ApprovedStateSet]: approvedStatePayloadSchema,
  [LedgerEventType.FlagAdopted]: approvedStatePayloadSchema,
  [LedgerEventType.SignalRecorded]: signalRecordedPayloadSchema,
  [LedgerEventType.GuardrailBreached]: guardrailBreachedPayloadSchema,
  [LedgerEventType.TelemetryRecorded]: telemetryRecordedPayloadSchema,
  [LedgerEventType.GuardrailCompared]: guardrailComparedPayloadSchema,
  [LedgerEventType.BreakGlassUsed]: breakGlassUsedPayloadSchema,
  [LedgerEventType.BreakGlassExpired]: breakGlassExpiredPayloadSchema,
  [LedgerEventType.BreakGlassReviewed]: breakGlassReviewedPayloadSchema,
  [LedgerEventType.ReviewDateNotified]: reviewDateNotifiedPayloadSchema,
} as const;

/** Ledger event types whose payload the projections define. */
export type ProjectedEventType = keyof typeof ledgerPayloadSchemas;

/** The payload an appender passes for an event type. */
export type LedgerPayloadInput<T extends ProjectedEventType> = z.input<(typeof ledgerPayloadSchemas)[T]>;

/** The payload as the projections read it. */
export type LedgerPayload<T extends ProjectedEventType> = z.output<(typeof ledgerPayloadSchemas)[T]>;

/** True for event types the projections consume. */
export function isProjectedEventType(type: string): type is ProjectedEventType {
  return Object.hasOwn(ledgerPayloadSchemas, type);
}

/**
 * Validates a payload for `type` and returns it as the JSON object to append as `data`, so appenders write
 * exactly what the projections read. Throws a ValidationError naming each bad field.
 */
export function ledgerPayload<T extends ProjectedEventType>(type: T, payload: LedgerPayloadInput<T>): JsonObject {
  const result = (ledgerPayloadSchemas[type] as z.ZodType).safeParse(payload);
  if (!result.success) throw new ValidationError(fieldIssuesFromZod(result.error));
  return JSON.parse(JSON.stringify(result.data)) as JsonObject;
}

/** Reads an entry's payload for `type`; returns the zod error instead of throwing so folds can skip bad entries. */
export function readLedgerPayload<T extends ProjectedEventType>(
  type: T,
  data: unknown,
): { ok: true; payload: LedgerPayload<T> } | { ok: false; error: z.ZodError } {
  const result = (ledgerPayloadSchemas[type] as z.ZodType).safeParse(data);
  return result.success ? { ok: true, payload: result.data as LedgerPayload<T> } : { ok: false, error: result.error };
}
