import type { ApprovedFlagState } from '../../src/approved-state/model/index.js';
import { referencedSegmentIds } from '../../src/featbit/diff/index.js';
import {
  flagSchema,
  restFlagSchema,
  type FeatBitFlag,
  type FeatBitSegment,
  type RawFlag,
  type RestFlag,
} from '../../src/featbit/model/index.js';
import { FeatBitNotFoundError } from '../../src/featbit/rest-client/index.js';
import { flagsEqual, segmentsEqual } from './flag-config.js';
import type { WorkerContext } from './worker-context.js';

/** FeatBit's live flag in a shape featgate's model accepts, or the reasons it does not. */
export type LiveShape =
  | { readonly parsed: true; readonly live: RestFlag; readonly liveFlag: FeatBitFlag }
  | { readonly parsed: false; readonly issues: readonly string[] };

/**
 * Everything one flag job decides from, read in one place (the "observe" step): FeatBit's flag found by key or by
 * the approved state's FeatBit id, its approved state, its parsed shape, the segments either references, and the
 * configuration of the applied stage of a live approved change. Nothing here writes.
 */
export interface FlagObservation {
  readonly envId: string;
  /** The key the job names. */
  readonly flagKey: string;
  readonly raw?: RawFlag;
  readonly approved?: ApprovedFlagState;
  /** Absent when FeatBit has no such flag. */
  readonly shape?: LiveShape;
  /** Segments the live or the approved flag references, as FeatBit holds them (missing ones left out). */
  readonly liveSegments: readonly FeatBitSegment[];
  /** Referenced segments FeatBit holds in a shape featgate cannot parse. */
  readonly unreadableSegmentIds: readonly string[];
  /** The configuration the release wrote for the current stage, while the approved state's change is live. */
  readonly stage?: ApprovedFlagState;
}

/**
 * Reads what a flag job needs. Flags are tracked by FeatBit's id (ARCHITECTURE.md invariant 11): a job for an approved
 * key whose flag was renamed finds it by id, archived or not; a job for a new key finds the approved state whose flag
 * has that id.
 */
export async function observeFlag(context: WorkerContext, envId: string, flagKey: string): Promise<FlagObservation> {
  const { featbit, approvedStates } = context.deps;
  let approved = await approvedStates.get(envId, flagKey);
  let raw: RawFlag | undefined;
  try {
    raw = await featbit.getRawFlag(envId, flagKey);
  } catch (error) {
    if (!(error instanceof FeatBitNotFoundError)) throw error;
  }
  if (approved && (!raw || raw.id !== approved.flag.id)) raw = await findById(context, envId, approved.flag.id);
  if (raw && !approved) {
    const id = raw.id;
    approved = (await approvedStates.list(envId)).find((state) => state.flag.id === id);
  }
  const base = { envId, flagKey, ...(raw ? { raw } : {}), ...(approved ? { approved } : {}) };
  if (!raw) return { ...base, liveSegments: [], unreadableSegmentIds: [] };
  const parsed = restFlagSchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.') || '(flag)'}: ${issue.message}`);
    return { ...base, shape: { parsed: false, issues }, liveSegments: [], unreadableSegmentIds: [] };
  }
  const live = parsed.data;
  const liveFlag = flagSchema.parse(live);
  const segmentIds = [
    ...new Set([...referencedSegmentIds(liveFlag), ...(approved?.segments.map((segment) => segment.id) ?? [])]),
  ];
  const { segments, unreadable } = await context.readSegments(envId, segmentIds);
  // The stage matters only for an edit to judge: it is read when FeatBit differs from the approved state.
  const differs =
    approved !== undefined &&
    !(
      flagsEqual(liveFlag, approved.flag) &&
      approved.segments.every((segment) =>
        segments.some((current) => current.id === segment.id && segmentsEqual(current, segment)),
      )
    );
  const stage = approved && differs ? await approvedStates.stageState(approved) : undefined;
  return {
    ...base,
    shape: { parsed: true, live, liveFlag },
    liveSegments: segments,
    unreadableSegmentIds: unreadable,
    ...(stage ? { stage } : {}),
  };
}

/** The live flag of an approved state found by FeatBit's id, archived or not, when its key moved (JSON Patch renames). */
async function findById(context: WorkerContext, envId: string, id: string): Promise<RawFlag | undefined> {
  for (const isArchived of [false, true]) {
    const item = (await context.deps.featbit.listAllFlags(envId, { isArchived })).find(
      (candidate) => candidate.id === id,
    );
    if (item) return context.deps.featbit.getRawFlag(envId, item.key);
  }
  return undefined;
}
