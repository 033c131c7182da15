import type { NextFunction, Request, Response } from 'express';
import { SandboxHttpError, sendError } from '../api-envelope.js';
import { SANDBOX_PROJECT_KEY, type SandboxEnvironment } from '../sandbox-identity.js';
import { envResourceName, isAllowed, itemResourceName, SandboxPermission } from '../sandbox-permissions.js';
import type { SandboxStore } from '../sandbox-store.js';
import { FlagInstructionKind, SegmentInstructionKind, type Instruction } from '../webhooks/index.js';
import { requestToken } from './request-context.js';

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Whether a route value is a GUID as ASP.NET's `{x:guid}` constraint reads it. */
export function isGuid(value: string | undefined): boolean {
  return value !== undefined && GUID.test(value.trim().replace(/^\{(.*)\}$/, '$1'));
}

/** `{envId:guid}` / `{segmentId:guid}`: a value that is not a GUID matches no route, so 404 with an empty body. */
export function guidRouteValue(name: string) {
  return (req: Request, res: Response, next: NextFunction): void => {
    if (isGuid((req.params as Record<string, string>)[name])) return next();
    res.status(404).end();
  };
}

function environmentOf(store: SandboxStore, envId: string): SandboxEnvironment | undefined {
  try {
    return store.environment(envId);
  } catch {
    return undefined;
  }
}

/**
 * `DefaultPermissionChecker` for `[Authorize(permission)]`: the resource name comes from the route (env, flag
 * by exact key with its tags, or segment); a missing resource has no name and fails the check, so a missing flag
 * is 403 here, never 404. Runs before model binding and validators, as ASP.NET's authorization filters do.
 */
export function requirePermission(store: SandboxStore, permission: SandboxPermission) {
  return (req: Request, res: Response, next: NextFunction): void => {
    const params = req.params as Record<string, string>;
    const env = environmentOf(store, params['envId'] ?? '');
    let resource: string | undefined;
    if (env) {
      const envRn = envResourceName(SANDBOX_PROJECT_KEY, env.key);
      if (permission === SandboxPermission.CanAccessEnv) resource = envRn;
      else if (permission.endsWith('Segment') || permission.startsWith('UpdateSegment'))
        resource = segmentResourceName(store, env, params['segmentId']);
      else if (params['key'] === undefined) resource = `${envRn}:flag/*`;
      else {
        const flag = store.findFlag(env.id, params['key']);
        resource = flag ? itemResourceName(SANDBOX_PROJECT_KEY, env.key, 'flag', flag.key, flag.tags) : undefined;
      }
    }
    if (resource !== undefined && isAllowed(requestToken(res).statements, resource, permission)) return next();
    sendError(res, 403, ['Forbidden']);
  };
}

function segmentResourceName(
  store: SandboxStore,
  env: SandboxEnvironment,
  segmentId: string | undefined,
): string | undefined {
  const envRn = envResourceName(SANDBOX_PROJECT_KEY, env.key);
  if (segmentId === undefined) return `${envRn}:segment/*`;
  const segment = store.findSegment(env.id, segmentId);
  return segment
    ? itemResourceName(SANDBOX_PROJECT_KEY, env.key, 'segment', segment.key, segment.tags ?? [])
    : undefined;
}

const DEFAULT_RULE_KINDS: readonly string[] = [
  FlagInstructionKind.UpdateDefaultRuleVariationOrRollouts,
  FlagInstructionKind.UpdateDefaultRuleDispatchKey,
];
const TARGET_USER_KINDS: readonly string[] = [
  FlagInstructionKind.AddTargetUsers,
  FlagInstructionKind.RemoveTargetUsers,
  FlagInstructionKind.SetTargetUsers,
];
const RULE_KINDS: readonly string[] = [
  FlagInstructionKind.AddRule,
  FlagInstructionKind.RemoveRule,
  FlagInstructionKind.SetRules,
  FlagInstructionKind.UpdateRuleName,
  FlagInstructionKind.UpdateRuleDispatchKey,
  FlagInstructionKind.AddRuleConditions,
  FlagInstructionKind.RemoveRuleConditions,
  FlagInstructionKind.UpdateRuleCondition,
  FlagInstructionKind.AddValuesToRuleCondition,
  FlagInstructionKind.RemoveValuesFromRuleCondition,
  FlagInstructionKind.UpdateRuleVariationOrRollouts,
];
const SEGMENT_RULE_KINDS: readonly string[] = [
  SegmentInstructionKind.AddRule,
  SegmentInstructionKind.RemoveRule,
  SegmentInstructionKind.SetRules,
  SegmentInstructionKind.UpdateRuleName,
  SegmentInstructionKind.AddRuleConditions,
  SegmentInstructionKind.RemoveRuleConditions,
  SegmentInstructionKind.UpdateRuleCondition,
  SegmentInstructionKind.AddValuesToRuleCondition,
  SegmentInstructionKind.RemoveValuesFromRuleCondition,
];
const SEGMENT_USER_KINDS: readonly string[] = [
  SegmentInstructionKind.AddTargetUsersToIncluded,
  SegmentInstructionKind.RemoveTargetUsersFromIncluded,
  SegmentInstructionKind.AddTargetUsersToExcluded,
  SegmentInstructionKind.RemoveTargetUsersFromExcluded,
];

/**
 * The permissions `UpdateTargetingHandler.CheckPermissionsAsync` demands for a flag targeting change: one per
 * part FlagComparer sees changed (default rule, individual targeting, rules); none for a change it cannot see.
 */
export function flagTargetingPermissions(instructions: readonly Instruction[]): SandboxPermission[] {
  const kinds = instructions.map((instruction) => instruction.kind);
  return [
    ...(kinds.some((kind) => DEFAULT_RULE_KINDS.includes(kind)) ? [SandboxPermission.UpdateFlagDefaultRule] : []),
    ...(kinds.some((kind) => TARGET_USER_KINDS.includes(kind))
      ? [SandboxPermission.UpdateFlagIndividualTargeting]
      : []),
    ...(kinds.some((kind) => RULE_KINDS.includes(kind)) ? [SandboxPermission.UpdateFlagTargetingRules] : []),
  ];
}

/** The segment twin (`Segments/UpdateTargeting.cs`): `UpdateSegmentRules`, `UpdateSegmentTargetingUsers` by diff. */
export function segmentTargetingPermissions(instructions: readonly Instruction[]): SandboxPermission[] {
  const kinds = instructions.map((instruction) => instruction.kind);
  return [
    ...(kinds.some((kind) => SEGMENT_RULE_KINDS.includes(kind)) ? [SandboxPermission.UpdateSegmentRules] : []),
    ...(kinds.some((kind) => SEGMENT_USER_KINDS.includes(kind)) ? [SandboxPermission.UpdateSegmentTargetingUsers] : []),
  ];
}

/** Throws FeatBit's 403 unless the token holds every permission on the resource (checked inside the handler). */
export function demandPermissions(res: Response, resource: string, permissions: readonly SandboxPermission[]): void {
  const statements = requestToken(res).statements;
  if (permissions.some((permission) => !isAllowed(statements, resource, permission)))
    throw new SandboxHttpError(403, ['Forbidden']);
}
