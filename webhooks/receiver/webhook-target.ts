import { z } from 'zod';
import { parseOrThrow, ValidationError } from '../../src/errors/index.js';
import { decodeHtmlEntities } from './html-entities.js';
import { parseLenientJson } from './lenient-json.js';

/** The kinds of FeatBit object a webhook can be about (`data.kind`). */
export enum WebhookObjectKind {
  FeatureFlag = 'feature flag',
  Segment = 'segment',
}

/**
 * What a webhook delivery identifies, and nothing more: the worker re-reads the object itself from FeatBit's REST
 * API (ARCHITECTURE.md invariant 3), so the rest of the payload is never trusted as data.
 */
export type WebhookTarget =
  | {
      readonly kind: WebhookObjectKind.FeatureFlag;
      readonly envId: string;
      readonly flagKey: string;
      readonly operator?: string;
    }
  | {
      readonly kind: WebhookObjectKind.Segment;
      readonly envId: string;
      readonly segmentId: string;
      readonly operator?: string;
    };

const decodedText = z
  .string()
  .transform((value) => decodeHtmlEntities(value).trim())
  .pipe(z.string().min(1, 'must not be empty'));

const flagKey = decodedText.pipe(z.string().regex(/^[a-zA-Z0-9._-]+$/, 'is not a FeatBit flag key'));

const envelopeSchema = z.looseObject({
  operator: z.string().optional().catch(undefined),
  environment: z.looseObject({ id: decodedText }),
  data: z.looseObject({
    kind: decodedText.pipe(z.enum(WebhookObjectKind)),
    object: z.looseObject({}),
  }),
});

const flagObjectSchema = z.looseObject({ key: flagKey });
const segmentObjectSchema = z.looseObject({ id: decodedText });

/**
 * Parses a delivery body leniently (raw control characters FeatBit leaves in strings are tolerated): any JSON carrying `environment.id`, `data.kind` and the flag's
 * `data.object.key` or the segment's `data.object.id`, with FeatBit's HTML entities decoded. Everything else in the
 * body is ignored. Throws a ValidationError naming the field (`data.object.key`) when something is missing.
 */
export function identifyWebhookTarget(body: string): WebhookTarget {
  let json: unknown;
  try {
    json = parseLenientJson(body);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `body is not JSON: ${(error as Error).message}` }]);
  }
  const envelope = parseOrThrow(envelopeSchema, json);
  const operator = envelope.operator === undefined ? undefined : decodeHtmlEntities(envelope.operator);
  const envId = envelope.environment.id;
  if (envelope.data.kind === WebhookObjectKind.FeatureFlag) {
    const object = parseOrThrow(flagObjectSchema, envelope.data.object, { prefix: 'data.object' });
    return { kind: WebhookObjectKind.FeatureFlag, envId, flagKey: object.key, ...(operator ? { operator } : {}) };
  }
  const object = parseOrThrow(segmentObjectSchema, envelope.data.object, { prefix: 'data.object' });
  return { kind: WebhookObjectKind.Segment, envId, segmentId: object.id, ...(operator ? { operator } : {}) };
}
