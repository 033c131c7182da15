import { randomBytes, randomUUID } from 'node:crypto';
import { ALLOW_ALL, SandboxPermission, toStatements, type PolicyStatement } from './sandbox-permissions.js';
import type { IdName } from './webhooks/index.js';

/** The sandbox's organization (fixed so webhook scopes can be written down in advance). */
export const SANDBOX_ORGANIZATION: IdName = {
  id: '8f1c2e9a-0b7d-4c3e-9a51-5a4dbf0e0001',
  name: 'Sandbox Organization',
};

/** The sandbox's single project. */
export const SANDBOX_PROJECT: IdName = { id: '8f1c2e9a-0b7d-4c3e-9a51-5a4dbf0e0002', name: 'Sandbox Project' };

/** The project's key, part of every resource name (`project/sandbox:env/<envKey>:flag/<key>`). */
export const SANDBOX_PROJECT_KEY = 'sandbox';

/** Default environment id; seeded data without `envId` lands here. */
export const SANDBOX_DEFAULT_ENV_ID = '8f1c2e9a-0b7d-4c3e-9a51-5a4dbf0e0003';

/** Sandbox-only demo access token (FeatBit format `api-…`), named `sandbox-demo`. Never valid anywhere else. */
export const SANDBOX_DEMO_ACCESS_TOKEN = 'api-c2FuZGJveC1kZW1vLXRva2VuLW5vdC1hLXNlY3JldA';

/** Sandbox-only SDK secret of the default environment (44 characters like FeatBit's). */
export const SANDBOX_DEMO_SDK_SECRET = 'c2FuZGJveC1zZGstc2VjcmV0LW5vdC1hLXNlY3JldDE=';

/** An environment of the sandbox with its SDK secret for `/api/public/sdk/...`. */
export interface SandboxEnvironment {
  readonly id: string;
  readonly name: string;
  readonly key: string;
  readonly sdkSecret: string;
}

/** An access token of the REST API; its `name` is the operator FeatBit records for API changes. */
export interface SandboxAccessToken {
  /** Stands for the creator id in audit logs. */
  readonly id: string;
  readonly name: string;
  readonly token: string;
  /** Issued with only `CanAccessEnv`: every permission-guarded write is 403 (PATCH still works, as in FeatBit). */
  readonly readOnly: boolean;
  /** The token's policy statements, checked per action and per resource name as FeatBit does. */
  readonly statements: readonly PolicyStatement[];
}

/** How to issue a token. */
export interface TokenOptions {
  /** Only `CanAccessEnv` (ignored when `permissions` is given). */
  readonly readOnly?: boolean;
  /** The exact token value (`api-…`); random when absent. */
  readonly token?: string;
  /**
   * FeatBit permissions: action names (allowed on every resource) or policy statements (e.g. only on
   * `project/*:env/*:flag/*;governed`). Absent: every permission.
   */
  readonly permissions?: readonly (string | PolicyStatement)[];
}

/** Issues and looks up access tokens. */
export class TokenRegistry {
  private readonly byToken = new Map<string, SandboxAccessToken>();

  /** The demo token, always present. */
  readonly demo: SandboxAccessToken;

  constructor() {
    this.demo = this.add({
      id: randomUUID(),
      name: 'sandbox-demo',
      token: SANDBOX_DEMO_ACCESS_TOKEN,
      readOnly: false,
      statements: [ALLOW_ALL],
    });
  }

  /** Issues a token acting as operator `name`, e.g. `alice` to play a flag admin in a test, with the permissions given. */
  issue(name: string, options: TokenOptions = {}): SandboxAccessToken {
    const token = options.token ?? `api-${randomBytes(24).toString('base64url')}`;
    if (!token.startsWith('api-')) throw new RangeError('FeatBit access tokens start with "api-"');
    const statements = options.permissions
      ? toStatements(options.permissions)
      : options.readOnly
        ? toStatements([SandboxPermission.CanAccessEnv])
        : [ALLOW_ALL];
    return this.add({
      id: randomUUID(),
      name,
      token,
      readOnly: options.permissions === undefined && (options.readOnly ?? false),
      statements,
    });
  }

  /** The token whose value equals the `Authorization` header exactly, if any. */
  find(header: string | undefined): SandboxAccessToken | undefined {
    return header === undefined ? undefined : this.byToken.get(header);
  }

  /** Every issued token. */
  list(): SandboxAccessToken[] {
    return [...this.byToken.values()];
  }

  private add(token: SandboxAccessToken): SandboxAccessToken {
    this.byToken.set(token.token, token);
    return token;
  }
}

/** Creates an environment; the first one gets the fixed default id and demo secret. */
export function createEnvironment(
  input: { id?: string; name?: string; key?: string; sdkSecret?: string },
  isDefault: boolean,
): SandboxEnvironment {
  return {
    id: input.id ?? (isDefault ? SANDBOX_DEFAULT_ENV_ID : randomUUID()),
    name: input.name ?? (isDefault ? 'Sandbox' : 'Sandbox environment'),
    key: input.key ?? (isDefault ? 'sandbox' : `env-${randomBytes(3).toString('hex')}`),
    sdkSecret: input.sdkSecret ?? (isDefault ? SANDBOX_DEMO_SDK_SECRET : randomBytes(32).toString('base64')),
  };
}
