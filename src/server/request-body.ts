import express, { type RequestHandler } from 'express';
import { parse as parseYaml } from 'yaml';
import { ValidationError } from '../errors/index.js';
import { HttpProblemError } from './problem.js';

const JSON_TYPES = ['application/json', 'application/*+json'];
const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'];

/** Reads the raw body (up to `limit` bytes, else 413) for the media types the API accepts. */
export function rawBody(limit: number): RequestHandler {
  return express.raw({ type: [...JSON_TYPES, ...YAML_TYPES], limit });
}

/**
 * Decodes a raw request body: JSON, or YAML where a route allows it (change records are often written in YAML).
 * A body in another media type is 415; unparsable text is 400.
 */
export function decodeBody(body: unknown, contentType: string | undefined, allowYaml: boolean): unknown {
  if (!Buffer.isBuffer(body)) {
    if (contentType && !/^application\/json|\+json/.test(contentType) && !isYaml(contentType)) {
      throw new HttpProblemError(
        415,
        'UNSUPPORTED_MEDIA_TYPE',
        `unsupported media type ${contentType}; send application/json`,
      );
    }
    return undefined;
  }
  const text = body.toString('utf8');
  if (isYaml(contentType)) {
    if (!allowYaml)
      throw new HttpProblemError(415, 'UNSUPPORTED_MEDIA_TYPE', 'this endpoint accepts application/json only');
    try {
      return withinDepth(parseYaml(text));
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError([{ path: '', message: `body is not valid YAML: ${firstLine(error)}` }]);
    }
  }
  if (text.trim() === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ValidationError([{ path: '', message: `body is not valid JSON: ${firstLine(error)}` }]);
  }
  return withinDepth(parsed);
}

/** Deepest nesting of arrays and objects a body may have; deeper ones are refused before any schema walks them. */
export const MAX_BODY_DEPTH = 64;

/**
 * Returns `value` when it nests at most `MAX_BODY_DEPTH` levels, else a 400 naming the path where it goes deeper.
 * Iterative, so a hostile body of 100,000 brackets cannot overflow the stack of the recursive schema checks.
 */
export function withinDepth<T>(value: T): T {
  const pending: { node: unknown; depth: number; path: string }[] = [{ node: value, depth: 0, path: '' }];
  while (pending.length > 0) {
    const { node, depth, path } = pending.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth >= MAX_BODY_DEPTH)
      throw new ValidationError([{ path, message: `nests deeper than ${MAX_BODY_DEPTH} levels` }]);
    for (const [key, child] of Object.entries(node))
      pending.push({ node: child, depth: depth + 1, path: path === '' ? key : `${path}.${key}` });
  }
  return value;
}

function isYaml(contentType: string | undefined): boolean {
  return contentType !== undefined && YAML_TYPES.some((type) => contentType.startsWith(type));
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
}
