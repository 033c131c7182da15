import { isMap, isNode, isScalar, LineCounter, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import type { FieldIssue } from '../errors/index.js';

/** A parsed YAML document together with what is needed to name the line of any field. */
export interface LocatedYaml {
  readonly file: string;
  readonly value: unknown;
  readonly document: Document;
  readonly lines: LineCounter;
}

/** Parses YAML text; syntax errors come back as issues naming file and line. */
export function parseLocatedYaml(file: string, text: string): { yaml?: LocatedYaml; issues: FieldIssue[] } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      path: '',
      message: error.message.split('\n')[0] ?? error.message,
      file,
      line: error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line,
    }));
    return { issues };
  }
  return { yaml: { file, value: document.toJS() ?? {}, document, lines }, issues: [] };
}

/** 1-based line of the node at `path`, or of its nearest existing ancestor. */
export function lineOf(yaml: LocatedYaml, path: readonly PropertyKey[], key?: string): number | undefined {
  for (let length = path.length; length >= 0; length -= 1) {
    const node = yaml.document.getIn(path.slice(0, length) as unknown[], true);
    if (length === path.length && key !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === key);
      if (pair && isNode(pair.key) && pair.key.range) return yaml.lines.linePos(pair.key.range[0]).line;
    }
    if (isNode(node) && node.range) return yaml.lines.linePos(node.range[0]).line;
  }
  return undefined;
}

/**
 * Turns zod issues into field issues; an unknown key is reported at its own path (e.g. `featbit.apiUrll`) so
 * the message points at the typo, and, with a YAML source, at its line.
 */
export function issuesFromZod(error: z.ZodError, yaml?: LocatedYaml): FieldIssue[] {
  return error.issues.flatMap((issue) => {
    const keys = issue.code === 'unrecognized_keys' ? issue.keys : [undefined];
    return keys.map((key) => {
      const path = key === undefined ? issue.path : [...issue.path, key];
      const message = key === undefined ? issue.message : 'unknown field';
      const located: FieldIssue = { path: path.map(String).join('.'), message };
      if (!yaml) return located;
      const line = lineOf(yaml, issue.path, key);
      return { ...located, file: yaml.file, ...(line !== undefined ? { line } : {}) };
    });
  });
}
