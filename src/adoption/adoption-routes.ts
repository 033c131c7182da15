import { ApprovedFlagStateResponse } from '../approved-state/index.js';
import { Permission } from '../identity/index.js';
import { defineRoute, type RouteDefinition } from '../server/route-definition.js';
import { adoptRequestSchema } from './adopt-request.js';
import type { AdoptionWorkflow } from './adoption-workflow.js';

/** Adoption of a flag's FeatBit state as its approved baseline. */
export function adoptionRoutes(workflow: AdoptionWorkflow): RouteDefinition[] {
  return [
    defineRoute({
      method: 'post',
      path: '/v1/adoptions',
      operationId: 'adoptFlag',
      summary: "Record a flag's current FeatBit state as its approved baseline (audited admin act)",
      tag: 'adopt',
      permission: Permission.FlagAdopt,
      body: adoptRequestSchema,
      response: ApprovedFlagStateResponse,
      successStatus: 201,
      handler: ({ principal, body }) => workflow.adopt(principal, body),
    }),
  ];
}
