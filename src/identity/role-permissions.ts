import { ConfigError } from '../errors/index.js';
import { DEFAULT_ROLE_PERMISSIONS } from './default-roles.js';
import { isPermission, type Permission } from './permission.js';

/** Resolves the permissions a set of roles grants. */
export class RolePermissions {
  private readonly map: ReadonlyMap<string, ReadonlySet<Permission>>;

  /**
   * `configured` replaces the defaults role by role; `reviewerRoles` are extra role names (e.g. those the
   * policy requires as reviewers) that get review permissions unless configured otherwise.
   */
  constructor(configured: Readonly<Record<string, readonly string[]>> = {}, reviewerRoles: readonly string[] = []) {
    const map = new Map<string, ReadonlySet<Permission>>();
    for (const role of reviewerRoles) map.set(role, new Set(DEFAULT_ROLE_PERMISSIONS.reviewer));
    for (const [role, permissions] of Object.entries(DEFAULT_ROLE_PERMISSIONS)) map.set(role, new Set(permissions));
    for (const [role, permissions] of Object.entries(configured)) {
      const unknown = permissions.filter((permission) => !isPermission(permission));
      if (unknown.length > 0) {
        throw new ConfigError(`identity.roles.${role}: unknown permission ${unknown.join(', ')}`);
      }
      map.set(role, new Set(permissions as Permission[]));
    }
    this.map = map;
  }

  /** Union of the permissions of the given roles; unknown roles grant nothing. */
  permissionsOf(roles: readonly string[]): ReadonlySet<Permission> {
    const granted = new Set<Permission>();
    for (const role of roles) for (const permission of this.map.get(role) ?? []) granted.add(permission);
    return granted;
  }

  /** Every role name known, for documentation and tests. */
  roles(): string[] {
    return [...this.map.keys()];
  }
}
