import { adoptionRoutes } from '../../adoption/index.js';
import { auditRoutes } from '../../audit/index.js';
import { changeRoutes } from '../../changes/index.js';
import { consoleRoutes } from '../../console/index.js';
import type { GovernanceWorkflow } from '../../governance/index.js';
import { releaseRoutes } from '../../releases/index.js';
import type { RouteDefinition } from '../route-definition.js';

/**
 * The route registry of the governance API: every endpoint with its schemas and permission. Each feature owns its
 * routes; the composition root mounts them here in the order the API documents them.
 */
export function governanceRoutes(workflow: GovernanceWorkflow): RouteDefinition[] {
  return [
    ...changeRoutes(workflow),
    ...releaseRoutes(workflow),
    ...adoptionRoutes(workflow),
    ...auditRoutes(workflow),
    ...consoleRoutes(workflow),
  ];
}
