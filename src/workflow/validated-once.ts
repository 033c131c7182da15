import { z } from 'zod';

/**
 * A schema for immutable objects that are checked against `schema` the first time they are seen and trusted by
 * identity afterwards. Change views hand the same projected record, review and evidence objects to every response;
 * checking each once keeps response checking proportional to what changed instead of to the whole history. The
 * JSON Schema (OpenAPI) of the result is that of `schema`'s output, which must need no `$defs`. Values are passed
 * through, never copied.
 */
export function validatedOnce<S extends z.ZodType>(schema: S): z.ZodType<z.output<S>> {
  const seen = new WeakSet<object>();
  const json = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any', target: 'draft-2020-12' }) as Record<string, unknown>;
  delete json.$schema;
  if ('$defs' in json) throw new TypeError('validatedOnce needs a schema without $defs: its references would not resolve once nested');
  return z
    .any()
    .superRefine((value, ctx) => {
      if (typeof value === 'object' && value !== null && seen.has(value)) return;
      const result = schema.safeParse(value);
      if (!result.success) {
        for (const issue of result.error.issues) ctx.addIssue({ ...issue, path: issue.path } as z.core.$ZodRawIssue);
        return;
      }
      if (typeof value === 'object' && value !== null) seen.add(value);
    })
    .meta(json) as unknown as z.ZodType<z.output<S>>;
}
