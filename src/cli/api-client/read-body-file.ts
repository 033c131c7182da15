import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import type { ApiBody } from './api-client.js';

/** Reads a change record file (`-` = stdin) and labels it JSON or YAML by its extension or first character. */
export function readBodyFile(file: string): ApiBody {
  const text = readFileSync(file === '-' ? 0 : file, 'utf8');
  const extension = extname(file).toLowerCase();
  const json = extension === '.json' || (extension === '' && /^\s*[{[]/.test(text));
  return { text, contentType: json ? 'application/json' : 'application/yaml' };
}
