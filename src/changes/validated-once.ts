import { z } from 'zod';

/**
 * Schemas for immutable objects that are checked against their schema the first time they are seen and trusted by
 * identity afterwards. Change views hand the same projected record, review and evidence objects to every response;
 * checking each once keeps response checking proportional to what changed instead of to the whole history. Their
 * JSON Schema (OpenAPI) is the wrapped schema's output form, which must need no `$defs`. Values are passed
 * through, never copied.
 */
export function validatedOnce<S extends z.ZodType>(schema: S): z.ZodType<z.output<S>> {
  const seen = new WeakSet<object>();
  return trusting(schema, (value, ctx) => checkOnce(schema, seen, value, ctx, []));
}

/** An array whose items are each checked once against `item` (see `validatedOnce`), in one pass over the array. */
export function itemsValidatedOnce<S extends z.ZodType>(item: S): z.ZodType<z.output<S>[]> {
  const seen = new WeakSet<object>();
  return trusting(z.array(item), (value, ctx) => {
    if (!Array.isArray(value)) {
      ctx.addIssue({ code: 'custom', message: 'expected an array', input: value });
      return;
    }
    value.forEach((member, index) => checkOnce(item, seen, member, ctx, [index]));
  });
}

type Refinement = (value: unknown, ctx: z.core.$RefinementCtx) => void;

function trusting<T>(documented: z.ZodType, refine: Refinement): z.ZodType<T> {
  const json = z.toJSONSchema(documented, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<
    string,
    unknown
  >;
  delete json.$schema;
  if ('$defs' in json)
    throw new TypeError('validatedOnce needs a schema without $defs: its references would not resolve once nested');
  return z.any().superRefine(refine).meta(json) as unknown as z.ZodType<T>;
}

function checkOnce(
  schema: z.ZodType,
  seen: WeakSet<object>,
  value: unknown,
  ctx: z.core.$RefinementCtx,
  at: PropertyKey[],
): void {
  const trackable = typeof value === 'object' && value !== null;
  if (trackable && seen.has(value)) return;
  const result = schema.safeParse(value);
  if (!result.success) {
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: [...at, ...issue.path] });
    return;
  }
  if (trackable) seen.add(value);
}
