import type { RoleRequirement } from './evaluation.js';

/** An approver and the roles they held when approving. */
export interface Approver {
  readonly reviewer: string;
  readonly roles: readonly string[];
}

/**
 * Assigns approvers to role requirements. With `onePersonMayFillSeveralRoles` false each approver covers at
 * most one requirement (a maximum bipartite matching, so the assignment never misses a cover that exists);
 * otherwise any approver holding a role covers every requirement naming it. Returns the uncovered ones.
 */
export function uncoveredRequirements(
  requirements: readonly RoleRequirement[],
  approvers: readonly Approver[],
  onePersonMayFillSeveralRoles: boolean,
): RoleRequirement[] {
  const holds = (approver: Approver, requirement: RoleRequirement): boolean =>
    requirement.anyOf.some((role) => approver.roles.includes(role));
  if (onePersonMayFillSeveralRoles) {
    return requirements.filter((requirement) => !approvers.some((approver) => holds(approver, requirement)));
  }
  const assignedTo: (number | undefined)[] = approvers.map(() => undefined);
  const tryAssign = (requirementIndex: number, visited: Set<number>): boolean => {
    for (let approverIndex = 0; approverIndex < approvers.length; approverIndex += 1) {
      if (visited.has(approverIndex) || !holds(approvers[approverIndex]!, requirements[requirementIndex]!)) continue;
      visited.add(approverIndex);
      const current = assignedTo[approverIndex];
      if (current === undefined || tryAssign(current, visited)) {
        assignedTo[approverIndex] = requirementIndex;
        return true;
      }
    }
    return false;
  };
  return requirements.filter((_, index) => !tryAssign(index, new Set()));
}
