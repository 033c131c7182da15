import { fileURLToPath } from 'node:url';
import { parseYamlSource, readYamlSource } from '../../src/yaml/index.js';
import { policySchema, type Policy } from './policy-schema.js';

/** Environment variable naming the policy file to use when none is given. */
export const POLICY_PATH_ENV = 'FEATGATE_POLICY';

/** Absolute path of the bundled `policies/default.yaml`. */
export const DEFAULT_POLICY_PATH = fileURLToPath(new URL('../default.yaml', import.meta.url));

/** The policy file to use: the explicit one, else FEATGATE_POLICY, else the bundled default. */
export function resolvePolicyPath(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return explicit ?? (env[POLICY_PATH_ENV] || DEFAULT_POLICY_PATH);
}

/** Parses and validates policy YAML text; every problem is reported as `file:line: field: message`. */
export function parsePolicy(text: string, file = '<policy>'): Policy {
  return parseYamlSource(text, file, policySchema);
}

/** Reads and validates a policy file (YAML or JSON). */
export function loadPolicyFile(path: string): Promise<Policy> {
  return readYamlSource(path, policySchema);
}
