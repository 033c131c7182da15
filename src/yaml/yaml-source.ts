import { readFile } from 'node:fs/promises';
import type { z } from 'zod';
import { ConfigError, fieldIssuesFromZod, ValidationError } from '../errors/index.js';
import { locatorOf, parseLocatedYaml } from './located-yaml.js';

/**
 * Parses YAML (or JSON, which is YAML) text and validates it with `schema`. Every problem becomes a field issue
 * carrying `file`, the 1-based line of the offending node (the key's line for an unknown key, the parser's line
 * for broken YAML) and the dotted field path; all of them are thrown together in one ValidationError.
 */
export function parseYamlSource<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const { yaml, issues } = parseLocatedYaml(file, text);
  if (!yaml) throw new ValidationError(issues);
  const result = schema.safeParse(yaml.value);
  if (result.success) return result.data;
  const located = fieldIssuesFromZod(result.error, { locate: locatorOf(yaml) });
  throw new ValidationError(located.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
}

/** Reads a YAML or JSON file and validates it like `parseYamlSource`; an unreadable file is a ConfigError. */
export async function readYamlSource<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, {
      cause: error,
    });
  }
  return parseYamlSource(text, path, schema);
}
