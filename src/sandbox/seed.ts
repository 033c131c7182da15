import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ValidationError, fieldIssuesFromZod } from '../errors/index.js';
import { sandboxFlagSchema } from './sandbox-flag.js';
import { sandboxSegmentSchema } from './sandbox-segment.js';

/** What a flag created through FeatBit's API has for members a seed leaves out (`new FeatureFlag(…)`). */
const CREATION_DEFAULTS = {
  name: '',
  description: '',
  targetUsers: [],
  rules: [],
  tags: [],
  exptIncludeAllTargets: true,
  isArchived: false,
};

/**
 * A flag as seeds may carry it: anything FeatBit could have stored (typed like its entity, nothing semantic
 * checked, so tests can seed the flags a hostile admin leaves behind); members left out get the values a new
 * flag has, and envId, revision and timestamps are filled in when missing.
 */
export const seedFlagSchema = z.preprocess(
  (item) =>
    typeof item === 'object' && item !== null && !Array.isArray(item) ? { ...CREATION_DEFAULTS, ...item } : item,
  sandboxFlagSchema
    .extend({
      id: z.string().min(1),
      envId: z.string().min(1).optional(),
      revision: z.string().min(1).optional(),
      createdAt: z.string().optional(),
      updatedAt: z.string().optional(),
    })
    .loose(),
);
/** A checked seed flag: `source` is the document as written (with creation defaults), which the sandbox stores. */
export type SeedFlag = z.output<typeof seedFlagSchema> & { readonly source: Record<string, unknown> };

/** A segment as seeds may carry it: typed like FeatBit's entity, nothing semantic checked; timestamps optional. */
export const seedSegmentSchema = sandboxSegmentSchema
  .extend({
    id: z.string().min(1),
    envId: z.string().min(1).optional(),
    name: z.string().nullable().default(''),
    included: z.array(z.string().nullable()).nullable().default([]),
    excluded: z.array(z.string().nullable()).nullable().default([]),
    rules: sandboxSegmentSchema.shape.rules.unwrap().unwrap().nullable().default([]),
    createdAt: z.string().optional(),
    updatedAt: z.string().optional(),
  })
  .loose();
/** A checked seed segment: `source` is the document as written (with creation defaults), which the sandbox stores. */
export type SeedSegment = z.output<typeof seedSegmentSchema> & { readonly source: Record<string, unknown> };

/** What a segment created through FeatBit's API has for members a seed leaves out. */
const SEGMENT_DEFAULTS = {
  name: '',
  description: '',
  included: [],
  excluded: [],
  rules: [],
  tags: [],
  isArchived: false,
};

/** Flags and segments read from seed documents. */
export interface SeedData {
  readonly flags: SeedFlag[];
  readonly segments: SeedSegment[];
}

const looksLikeFlag = (item: unknown) =>
  typeof item === 'object' && item !== null && 'variations' in item && 'fallthrough' in item;

/**
 * Reads one seed document: a data-sync message (`{messageType, data: {featureFlags, segments}}`), its `data`
 * part, a bare array of flags or a bare array of segments (FeatBit's own fake data files). Every bad field is
 * reported with its path, prefixed by `source` when given.
 */
export function parseSeedDocument(document: unknown, source?: string): SeedData {
  const container = (document as { data?: unknown } | null)?.data ?? document;
  let flagItems: unknown[] = [];
  let segmentItems: unknown[] = [];
  let flagsPath = 'data.featureFlags';
  let segmentsPath = 'data.segments';
  if (Array.isArray(document)) {
    flagsPath = segmentsPath = '';
    for (const item of document) (looksLikeFlag(item) ? flagItems : segmentItems).push(item);
  } else if (
    typeof container === 'object' &&
    container !== null &&
    ('featureFlags' in container || 'segments' in container)
  ) {
    if (container === document) [flagsPath, segmentsPath] = ['featureFlags', 'segments'];
    const { featureFlags, segments } = container as { featureFlags?: unknown; segments?: unknown };
    flagItems = Array.isArray(featureFlags) ? featureFlags : [];
    segmentItems = Array.isArray(segments) ? segments : [];
  } else {
    throw new ValidationError([
      {
        path: '',
        message: 'a seed is a data-sync document, an array of flags or an array of segments',
        ...(source === undefined ? {} : { file: source }),
      },
    ]);
  }
  const flags = flagItems.map((item, index) => checkSeedFlag(item, join(flagsPath, index), source));
  const segments = segmentItems.map((item, index) => checkSeedSegment(item, join(segmentsPath, index), source));
  return { flags, segments };
}

/**
 * Checks one seed flag (types only) and keeps the document as written, with creation defaults, as `source`;
 * an already checked flag is returned as it is.
 */
export function checkSeedFlag(item: unknown, path = '', file?: string): SeedFlag {
  if (
    typeof item === 'object' &&
    item !== null &&
    'source' in item &&
    typeof (item as { source?: unknown }).source === 'object'
  )
    return item as SeedFlag;
  return {
    ...parseItem(seedFlagSchema, item, path, file),
    source: { ...CREATION_DEFAULTS, ...(item as Record<string, unknown>) },
  };
}

/** `checkSeedFlag` for segments. */
export function checkSeedSegment(item: unknown, path = '', file?: string): SeedSegment {
  if (
    typeof item === 'object' &&
    item !== null &&
    'source' in item &&
    typeof (item as { source?: unknown }).source === 'object'
  )
    return item as SeedSegment;
  return {
    ...parseItem(seedSegmentSchema, item, path, file),
    source: { ...SEGMENT_DEFAULTS, ...(item as Record<string, unknown>) },
  };
}

/** Reads and parses a seed file (JSON). */
export async function readSeedFile(path: string): Promise<SeedData> {
  let document: unknown;
  try {
    document = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new ValidationError([{ path: '', message: `cannot read seed: ${(error as Error).message}`, file: path }]);
  }
  return parseSeedDocument(document, path);
}

function join(prefix: string, index: number): string {
  return prefix ? `${prefix}.${index}` : String(index);
}

function parseItem<S extends z.ZodType>(
  schema: S,
  item: unknown,
  path: string,
  source: string | undefined,
): z.output<S> {
  const result = schema.safeParse(item);
  if (result.success) return result.data;
  throw new ValidationError(
    fieldIssuesFromZod(result.error, {
      prefix: path,
      ...(source !== undefined ? { locate: () => ({ file: source }) } : {}),
    }),
  );
}
