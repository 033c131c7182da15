import { flagSchema, type RolloutVariation } from '../featbit/model/index.js';

/** One sentence per part of a FeatBit flag's targeting, for a reviewer who never opens FeatBit. */
export function targetingInWords(flag: unknown): string[] {
  const parsed = flagSchema.safeParse(flag);
  if (!parsed.success) return ['the edited configuration could not be read'];
  const edited = parsed.data;
  const names = new Map(edited.variations.map((variation) => [variation.id, variation.name || variation.id]));
  const nameOf = (id: string) => `"${names.get(id) ?? id}"`;
  const lines: string[] = [
    edited.isEnabled ? 'the flag is on' : `the flag is off and serves ${nameOf(edited.disabledVariationId)}`,
  ];
  for (const target of edited.targetUsers) {
    if (target.keyIds.length > 0)
      lines.push(`${target.keyIds.length} individually targeted user(s) get ${nameOf(target.variationId)}`);
  }
  edited.rules.forEach((rule, index) => {
    const conditions = rule.conditions.map((condition) =>
      `${condition.property} ${condition.op ?? ''} ${condition.value}`.replace(/\s+/g, ' ').trim(),
    );
    const label = rule.name ? `rule "${rule.name}"` : `rule ${index + 1}`;
    lines.push(`${label} (${conditions.join(' and ') || 'no conditions'}) serves ${shares(rule.variations, nameOf)}`);
  });
  lines.push(`the default rule serves ${shares(edited.fallthrough.variations, nameOf)}`);
  return lines;
}

function shares(rollouts: readonly RolloutVariation[], nameOf: (id: string) => string): string {
  if (rollouts.length === 0) return 'nothing';
  return rollouts.map((rollout) => `${nameOf(rollout.id)} to ${percent(rollout.rollout)}`).join(', ');
}

function percent(range: readonly number[]): string {
  const [from = 0, to = 0] = range;
  return `${Math.round(Math.max(0, to - from) * 10_000) / 100}%`;
}
