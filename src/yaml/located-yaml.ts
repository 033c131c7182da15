import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { FieldIssue, IssueLocator } from '../errors/index.js';

/** A parsed YAML (or JSON) document with what it takes to name the line of any field. */
export interface LocatedYaml {
  readonly file: string;
  readonly value: unknown;
  readonly document: Document;
  readonly lines: LineCounter;
}

/** Parses YAML text; broken YAML comes back as issues naming file and line, never as a half-read value. */
export function parseLocatedYaml(file: string, text: string): { yaml?: LocatedYaml; issues: FieldIssue[] } {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (document.errors.length > 0) {
    const issues = document.errors.map((error) => ({
      file,
      path: '',
      line: error.linePos?.[0]?.line ?? lines.linePos(error.pos[0]).line,
      message: `invalid YAML: ${firstLine(error.message)}`,
    }));
    return { issues };
  }
  // Alias bombs: a document may not expand an alias more than 100 times.
  return { yaml: { file, value: document.toJS({ maxAliasCount: 100 }), document, lines }, issues: [] };
}

/** A locator for `fieldIssuesFromZod` that names this document's file and the line of each field. */
export function locatorOf(yaml: LocatedYaml): IssueLocator {
  return (path) => ({ file: yaml.file, line: lineOf(yaml, path) });
}

/**
 * 1-based line of the node at `path` (the key's line for a mapping entry), or of the deepest node on the way
 * when the path ends in something missing; line 1 for a document without content (an empty file).
 */
export function lineOf(yaml: LocatedYaml, path: readonly (string | number)[]): number {
  let node: unknown = yaml.document.contents;
  let line = startLine(node, yaml.lines) ?? 1;
  for (const segment of path) {
    if (isMap(node)) {
      const pair = node.items.find(
        (item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment),
      );
      if (!pair) return line;
      line = startLine(pair.key, yaml.lines) ?? line;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === 'number') {
      const item = node.items[segment];
      if (item === undefined) return line;
      node = item;
      line = startLine(item, yaml.lines) ?? line;
    } else {
      return line;
    }
  }
  return line;
}

function startLine(node: unknown, lines: LineCounter): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? lines.linePos(range[0]).line : undefined;
}

function firstLine(message: string): string {
  return (message.split('\n')[0] ?? message).replace(/ at line \d+, column \d+:?$/, '');
}
