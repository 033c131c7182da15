import { z } from 'zod';
import { templateNameSchema, thresholdConditions, type ChangeRecord, type PrometheusSource } from '../../change/index.js';
import type { FieldIssue } from '../../errors/index.js';

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
        ctx.addIssue({ code: 'custom', path: ['query'], message: `{{${name}}} is neither changeKey, window nor a declared parameter` });
      }
    }
  });
export type PrometheusTemplate = z.infer<typeof prometheusTemplateSchema>;

/** Operator templates by name. */
export const prometheusTemplatesSchema = z
  .record(templateNameSchema, prometheusTemplateSchema)
  .refine((templates) => Object.keys(templates).length <= 200, 'at most 200 templates')
  .default({});

/** A condition's Prometheus source that the operator's templates do not allow. */
export class TemplateRefusal extends Error {}

const DEFAULT_PATTERN = /^[A-Za-z0-9_.:-]{1,100}$/u;

/**
 * The PromQL a condition's source stands for: its template with every placeholder filled in. Throws
 * `TemplateRefusal` naming the problem for an unknown template, an undeclared parameter, a missing required one,
 * or a value its pattern (or the default, which admits no quote, brace or space) refuses.
 */
export function renderTemplate(
  templates: Readonly<Record<string, PrometheusTemplate>>,
  source: PrometheusSource,
  values: { readonly changeKey: string; readonly window?: string },
): string {
  const template = Object.hasOwn(templates, source.template) ? templates[source.template] : undefined;
  if (!template) {
    const known = Object.keys(templates);
    throw new TemplateRefusal(`no Prometheus template named ${source.template}; the operator configured ${known.length > 0 ? known.join(', ') : 'none'}`);
  }
  for (const name of Object.keys(source.params)) {
    if (!Object.hasOwn(template.params, name)) throw new TemplateRefusal(`template ${source.template} takes no parameter ${name}`);
  }
  const filled: Record<string, string> = { changeKey: values.changeKey, window: values.window ?? '5m' };
  for (const [name, parameter] of Object.entries(template.params)) {
    const value = Object.hasOwn(source.params, name) ? source.params[name] : parameter.default;
    if (value === undefined) throw new TemplateRefusal(`template ${source.template} needs the parameter ${name}`);
    const pattern = parameter.pattern ? new RegExp(`^(?:${parameter.pattern})$`, 'u') : DEFAULT_PATTERN;
    if (!pattern.test(value)) throw new TemplateRefusal(`parameter ${name} of template ${source.template} does not allow ${JSON.stringify(value)}`);
    filled[name] = value;
  }
  return template.query.replace(/\{\{([^}]*)\}\}/g, (_, name: string) => filled[name]!);
}

/**
 * The `holdIf` Prometheus sources of a record that the operator's templates refuse, as field issues, so a plan
 * naming an unknown template or a parameter value its pattern refuses is a 400 when it is written, not a guardrail
 * that silently never reads a value.
 */
export function templateIssues(templates: Readonly<Record<string, PrometheusTemplate>>, record: ChangeRecord): FieldIssue[] {
  const issues: FieldIssue[] = [];
  record.release.holdIf.forEach((condition, index) => {
    if (!thresholdConditions([condition])[0]?.prometheus) return;
    const source = thresholdConditions([condition])[0]!.prometheus!;
    try {
      renderTemplate(templates, source, { changeKey: record.key });
    } catch (error) {
      if (!(error instanceof TemplateRefusal)) throw error;
      issues.push({ path: `release.holdIf.${index}.prometheus`, message: error.message });
    }
  });
  return issues;
}
