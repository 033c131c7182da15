import { OperatorType } from '../evaluator/operator-type.js';
import type { ApprovalManifest, GrantCondition } from '../manifest/manifest-schema.js';

const isRegex = (condition: GrantCondition): boolean =>
  condition.op === OperatorType.MatchRegex || condition.op === OperatorType.NotMatchRegex;

/** Whether any approved rule or segment rule of the manifest matches by regex, so the gate must load RE2 first. */
export function usesRegex(manifest: Pick<ApprovalManifest, 'flags'>): boolean {
  for (const { grants } of Object.values(manifest.flags)) {
    if (grants.rules.some((rule) => rule.conditions.some(isRegex))) return true;
    if (grants.segments.some((segment) => segment.rules.some((rule) => rule.conditions.some(isRegex)))) return true;
  }
  return false;
}
