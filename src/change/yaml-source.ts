import { readFile } from 'node:fs/promises';
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ValidationError, type FieldIssue } from '../errors/index.js';

/**
 * Parses YAML (or JSON, which is YAML) text and validates it with `schema`. Every problem becomes a field issue
 * carrying `file`, the 1-based line of the offending node (the key's line for an unknown key, the parser's line
 * for broken YAML) and the dotted field path; all of them are thrown together in one ValidationError.
 */
export function parseYamlSource<S extends z.ZodType>(text: string, file: string, schema: S): z.output<S> {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ValidationError(
      document.errors.map((error) => ({
        file,
        path: '',
        line: error.linePos?.[0].line ?? lineCounter.linePos(error.pos[0]).line,
        message: `invalid YAML: ${firstLine(error.message)}`,
      })),
    );
  }
  const result = schema.safeParse(document.toJS({ maxAliasCount: 100 }));
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap((issue): FieldIssue[] => {
    const path = issue.path.filter((segment): segment is string | number => typeof segment !== 'symbol');
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        file,
        path: [...path, key].join('.'),
        line: lineOf(document, lineCounter, [...path, key]),
        message: 'unknown key',
      }));
    }
    return [{ file, path: path.join('.'), line: lineOf(document, lineCounter, path), message: issue.message }];
  });
  throw new ValidationError(issues.sort((a, b) => (a.line ?? 0) - (b.line ?? 0)));
}

/** Reads a YAML or JSON file and validates it like `parseYamlSource`; an unreadable file is a ConfigError. */
export async function readYamlSource<S extends z.ZodType>(path: string, schema: S): Promise<z.output<S>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ConfigError(`${path}: cannot read file: ${(error as NodeJS.ErrnoException).code ?? String(error)}`, { cause: error });
  }
  return parseYamlSource(text, path, schema);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
}

/**
 * Line of the node at `path`, or of the deepest node on the way when the path ends in something missing; line 1
 * for a document without content (an empty file).
 */
function lineOf(document: Document, lineCounter: LineCounter, path: readonly (string | number)[]): number {
  let node: unknown = document.contents;
  let line = startLine(node, lineCounter) ?? 1;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment));
      if (!pair) return line;
      line = startLine(pair.key, lineCounter) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return line;
      node = item;
      line = startLine(item, lineCounter) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function startLine(node: unknown, lineCounter: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? lineCounter.linePos(range[0]).line : undefined;
}
