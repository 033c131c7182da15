import { readFileSync } from 'node:fs';
import { fieldIssuesFromZod, type FieldIssue } from '../errors/index.js';
import { InvalidConfigError } from './config-error.js';
import { serviceConfigSchema, type ServiceConfig } from './config-schema.js';
import { CONFIG_FILE_VARIABLE, ENV_VARIABLES } from './env-variables.js';
import { locatorOf, parseLocatedYaml, type LocatedYaml } from '../yaml/index.js';

/** Where the service configuration comes from. */
export interface LoadConfigOptions {
  /** YAML config file; defaults to `FEATGATE_CONFIG`; no file means defaults plus environment. */
  readonly file?: string;
  /** Environment to read variables from (defaults to `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Values from the command line (e.g. `--port`); they win over environment and file. */
  readonly overrides?: Readonly<Record<string, unknown>>;
}

/**
 * Reads the config file (if any), applies environment variables and command-line overrides, and validates the
 * result. Throws InvalidConfigError naming file, line and field (or the environment variable) of every problem.
 */
export function loadServiceConfig(options: LoadConfigOptions = {}): ServiceConfig {
  const env = options.env ?? process.env;
  const file = options.file ?? nonEmpty(env[CONFIG_FILE_VARIABLE]);
  let yaml: LocatedYaml | undefined;
  let raw: Record<string, unknown> = {};
  if (file) {
    const parsed = parseLocatedYaml(file, readConfigFile(file));
    if (!parsed.yaml) throw new InvalidConfigError(parsed.issues);
    yaml = parsed.yaml;
    // An empty file is an empty mapping: every setting at its default.
    const value = yaml.value ?? {};
    if (!isRecord(value))
      throw new InvalidConfigError([{ path: '', message: 'expected a YAML mapping', file, line: 1 }]);
    raw = structuredClone(value);
  }
  const fromEnv = new Map<string, string>();
  for (const variable of ENV_VARIABLES) {
    const text = nonEmpty(env[variable.name]);
    if (text === undefined) continue;
    setPath(raw, variable.path, variable.parse(text));
    fromEnv.set(variable.path.join('.'), variable.name);
  }
  for (const [key, value] of Object.entries(options.overrides ?? {})) {
    if (value === undefined) continue;
    raw[key] = value;
    fromEnv.set(key, `--${key}`);
  }
  const result = serviceConfigSchema.safeParse(raw);
  if (result.success) return result.data;
  const issues = fieldIssuesFromZod(result.error, yaml ? { locate: locatorOf(yaml) } : {}).map((issue) =>
    attributeToEnv(issue, fromEnv),
  );
  throw new InvalidConfigError(issues);
}

/** Names the environment variable or option an invalid value came from instead of a file line. */
function attributeToEnv(issue: FieldIssue, fromEnv: ReadonlyMap<string, string>): FieldIssue {
  for (const [path, source] of fromEnv) {
    if (issue.path === path || issue.path.startsWith(`${path}.`)) {
      return { path: issue.path, message: `${issue.message} (from ${source})` };
    }
  }
  return issue;
}

function readConfigFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidConfigError([{ path: '', message: `cannot read config file: ${reason}`, file }]);
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isRecord(node[key])) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value;
}
