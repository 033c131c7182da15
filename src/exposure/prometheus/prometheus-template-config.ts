import { z } from 'zod';

/**
 * The `exposure.prometheus.templates` section of the service config (imports nothing but zod, so the kernel's config
 * schema may assemble it). Names follow the `holdIf` template names: letters, digits, `_` and `-`.
 */
const templateNameSchema = z
  .string()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,63}$/, 'expected a template name (letters, digits, _ and -, at most 64)');

/** One parameter an operator's template accepts: the values a requester may give it. */
export const templateParameterSchema = z.strictObject({
  /** Regular expression (anchored by featgate) a value must match; default: letters, digits, `_ . : -`, 1-100. */
  pattern: z
    .string()
    .min(1)
    .max(500)
    .refine((pattern) => {
      try {
        new RegExp(pattern, 'u');
        return true;
      } catch {
        return false;
      }
    }, 'not a valid regular expression')
    .optional(),
  /** Value used when the condition gives none; without it the parameter is required. */
  default: z.string().max(200).optional(),
});
export type TemplateParameter = z.infer<typeof templateParameterSchema>;

/**
 * A PromQL instant query written by the operator (config `exposure.prometheus.templates`), with `{{changeKey}}`,
 * `{{window}}` and `{{name}}` of each declared parameter filled in by featgate. Requesters only name a template and
 * give parameter values, so a release plan can read exactly the series its operator meant, nothing else.
 */
export const prometheusTemplateSchema = z
  .strictObject({
    query: z.string().trim().min(1).max(4000),
    params: z.record(templateNameSchema, templateParameterSchema).default({}),
  })
  .superRefine((template, ctx) => {
    for (const match of template.query.matchAll(/\{\{([^}]*)\}\}/g)) {
      const name = match[1]!;
      if (name !== 'changeKey' && name !== 'window' && !(name in template.params)) {
        ctx.addIssue({
          code: 'custom',
          path: ['query'],
          message: `{{${name}}} is neither changeKey, window nor a declared parameter`,
        });
      }
    }
  });
export type PrometheusTemplate = z.infer<typeof prometheusTemplateSchema>;

/** Operator templates by name. */
export const prometheusTemplatesSchema = z
  .record(templateNameSchema, prometheusTemplateSchema)
  .refine((templates) => Object.keys(templates).length <= 200, 'at most 200 templates')
  .default({});
