import type { GovernanceWorkflow } from '../../workflow/index.js';
import type { RouteDefinition } from '../route-definition.js';
import { auditRoutes } from '../../audit/index.js';
import { changeRoutes } from '../../changes/index.js';
import { consoleRoutes } from '../../console/index.js';
import { releaseRoutes } from '../../releases/index.js';

export * from '../../approved-state/approved-state-response.js';
export * from '../../audit/audit-routes.js';

/** The route registry of the governance API: every endpoint with its schemas and permission. */
export function governanceRoutes(workflow: GovernanceWorkflow): RouteDefinition[] {
  return [...changeRoutes(workflow), ...releaseRoutes(workflow), ...auditRoutes(workflow), ...consoleRoutes(workflow)];
}
