/**
 * FeatBit's IAM as it applies to access tokens (`BE Domain/Policies/Permissions.cs`, `PolicyHelper.cs`,
 * `PolicyStatement.cs`, `BE Domain/Resources/RN.cs`, `RNMatcher.cs`): a token carries policy statements; an action
 * is allowed on a resource name when at least one statement matches it and every matching statement allows.
 */

/** The permissions FeatBit checks on the flag, segment and environment routes featgate and tests use. */
export enum SandboxPermission {
  CanAccessEnv = 'CanAccessEnv',
  CreateFlag = 'CreateFlag',
  ArchiveFlag = 'ArchiveFlag',
  RestoreFlag = 'RestoreFlag',
  DeleteFlag = 'DeleteFlag',
  CloneFlag = 'CloneFlag',
  ToggleFlag = 'ToggleFlag',
  UpdateFlagName = 'UpdateFlagName',
  UpdateFlagDescription = 'UpdateFlagDescription',
  UpdateFlagOffVariation = 'UpdateFlagOffVariation',
  UpdateFlagVariations = 'UpdateFlagVariations',
  UpdateFlagTags = 'UpdateFlagTags',
  UpdateFlagDefaultRule = 'UpdateFlagDefaultRule',
  UpdateFlagIndividualTargeting = 'UpdateFlagIndividualTargeting',
  UpdateFlagTargetingRules = 'UpdateFlagTargetingRules',
  CreateSegment = 'CreateSegment',
  ArchiveSegment = 'ArchiveSegment',
  RestoreSegment = 'RestoreSegment',
  DeleteSegment = 'DeleteSegment',
  UpdateSegmentName = 'UpdateSegmentName',
  UpdateSegmentDescription = 'UpdateSegmentDescription',
  UpdateSegmentTags = 'UpdateSegmentTags',
  UpdateSegmentTargetingUsers = 'UpdateSegmentTargetingUsers',
  UpdateSegmentRules = 'UpdateSegmentRules',
}

/** `EffectType`. */
export enum PolicyEffect {
  Allow = 'allow',
  Deny = 'deny',
}

/** `PolicyStatement`: `resourceType: '*'` matches every resource and action (FeatBit's administrator policy). */
export interface PolicyStatement {
  readonly effect: PolicyEffect | 'allow' | 'deny';
  readonly actions: readonly string[];
  readonly resources: readonly string[];
  /** Absent (or undefined, as the control API body schema reads it): the resources name what it covers. */
  readonly resourceType?: string | undefined;
}

/** The statement of a token with every permission. */
export const ALLOW_ALL: PolicyStatement = {
  effect: PolicyEffect.Allow,
  actions: ['*'],
  resources: ['*'],
  resourceType: '*',
};

/**
 * Turns what tests pass as `permissions` into statements: an action name allows that action on every resource;
 * a statement is taken as it is.
 */
export function toStatements(permissions: readonly (string | PolicyStatement)[]): PolicyStatement[] {
  return permissions.map((item) =>
    typeof item === 'string' ? { effect: PolicyEffect.Allow, actions: [item], resources: ['*'] } : item,
  );
}

/** `PolicyHelper.IsAllowed`. */
export function isAllowed(statements: readonly PolicyStatement[], resourceName: string, permission: string): boolean {
  const matched = statements.filter(
    (statement) =>
      statement.resourceType === '*' ||
      (statement.actions.some((action) => action === '*' || action === permission) &&
        statement.resources.some((pattern) => rnMatches(resourceName, pattern))),
  );
  return matched.length > 0 && matched.every((statement) => statement.effect === PolicyEffect.Allow);
}

/** `RN.ForEnv`. */
export function envResourceName(projectKey: string, envKey: string): string {
  return `project/${projectKey}:env/${envKey}`;
}

/** `RN.ForFlag` (and `RN.ForSegment` with `kind` `segment`): tags after a `;`, comma-joined. */
export function itemResourceName(
  projectKey: string,
  envKey: string,
  kind: 'flag' | 'segment',
  key: string | null,
  tags: readonly (string | null)[] | null,
): string {
  const tagList = tags ?? [];
  return `${envResourceName(projectKey, envKey)}:${kind}/${key ?? ''}${tagList.length > 0 ? `;${tagList.join(',')}` : ''}`;
}

/** `RNMatcher.IsMatch`: segment by segment (`:`), path by wildcard, then any pattern tag against any resource tag. */
export function rnMatches(resource: string, pattern: string): boolean {
  if (resource.length === 0 || pattern.length === 0) return false;
  const resourceSegments = resource.split(':');
  const patternSegments = pattern.split(':');
  if (patternSegments.length > resourceSegments.length) return false;
  return patternSegments.every((patternSegment, index) => {
    const [resourcePath = '', resourceTags] = resourceSegments[index]!.split(';');
    const [patternPath = '', patternTags] = patternSegment.split(';');
    if (!wildcardMatches(patternPath, resourcePath)) return false;
    if (patternTags === undefined || patternTags.length === 0) return true;
    if (resourceTags === undefined || resourceTags.length === 0) return false;
    const tags = resourceTags.split(',');
    return patternTags.split(',').some((patternTag) => tags.some((tag) => wildcardMatches(patternTag, tag)));
  });
}

/** `*` matches any run of characters; everything else literally. Linear: no regex is built from the pattern. */
function wildcardMatches(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const parts = pattern.split('*');
  const first = parts[0]!;
  const last = parts[parts.length - 1]!;
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let position = first.length;
  for (const middle of parts.slice(1, -1)) {
    const found = value.indexOf(middle, position);
    if (found < 0) return false;
    position = found + middle.length;
  }
  return value.length - last.length >= position && value.endsWith(last);
}
