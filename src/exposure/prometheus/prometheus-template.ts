import { thresholdConditions, type ChangeRecord, type PrometheusSource } from '../../changes/model/index.js';
import type { FieldIssue } from '../../errors/index.js';
import type { PrometheusTemplate } from './prometheus-template-config.js';

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
    throw new TemplateRefusal(
      `no Prometheus template named ${source.template}; the operator configured ${known.length > 0 ? known.join(', ') : 'none'}`,
    );
  }
  for (const name of Object.keys(source.params)) {
    if (!Object.hasOwn(template.params, name))
      throw new TemplateRefusal(`template ${source.template} takes no parameter ${name}`);
  }
  const filled: Record<string, string> = { changeKey: values.changeKey, window: values.window ?? '5m' };
  for (const [name, parameter] of Object.entries(template.params)) {
    const value = Object.hasOwn(source.params, name) ? source.params[name] : parameter.default;
    if (value === undefined) throw new TemplateRefusal(`template ${source.template} needs the parameter ${name}`);
    const pattern = parameter.pattern ? new RegExp(`^(?:${parameter.pattern})$`, 'u') : DEFAULT_PATTERN;
    if (!pattern.test(value))
      throw new TemplateRefusal(
        `parameter ${name} of template ${source.template} does not allow ${JSON.stringify(value)}`,
      );
    filled[name] = value;
  }
  return template.query.replace(/\{\{([^}]*)\}\}/g, (_, name: string) => filled[name]!);
}

/**
 * The `holdIf` Prometheus sources of a record that the operator's templates refuse, as field issues, so a plan
 * naming an unknown template or a parameter value its pattern refuses is a 400 when it is written, not a guardrail
 * that silently never reads a value.
 */
export function templateIssues(
  templates: Readonly<Record<string, PrometheusTemplate>>,
  record: ChangeRecord,
): FieldIssue[] {
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
