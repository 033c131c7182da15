import fastJsonPatch from 'fast-json-patch';
import type { z } from 'zod';
import { removedMemberDefault, strictSandboxFlagSchema, type SandboxFlag } from './sandbox-flag.js';

/** A JSON Patch document that is not one (not an array, an operation without `op`/`path`, an unknown `op`). */
export class MalformedPatchError extends Error {}

/** The outcome of applying a patch: the patched flag, or FeatBit's error text (answered as 200 `success:false`). */
export type PatchOutcome =
  { readonly ok: true; readonly flag: SandboxFlag } | { readonly ok: false; readonly error: string };

const OPERATIONS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];
/** Bounds the work one request can cause (FeatBit has none; this only keeps the sandbox itself responsive). */
const MAX_OPERATIONS = 10_000;

/** `OperationType` as `Enum.TryParse(op, ignoreCase: true)` reads it: a name in any case, or the enum's number. */
const OPERATION_NUMBERS: Readonly<Record<string, string>> = {
  0: 'add',
  1: 'remove',
  2: 'replace',
  3: 'move',
  4: 'copy',
  5: 'test',
};

/** The operation FeatBit runs for an `op` string, or `undefined` for `OperationType.Invalid`, which `Apply` skips. */
function operationType(op: unknown): string | undefined {
  if (typeof op !== 'string') return undefined;
  const name = op.trim().toLowerCase();
  if (OPERATIONS.includes(name)) return name;
  return OPERATION_NUMBERS[String(Number(name))] && /^\s*\+?\d+\s*$/.test(op)
    ? OPERATION_NUMBERS[String(Number(name))]
    : undefined;
}

/**
 * Checks the document deserializes as `JsonPatchDocument<FeatureFlag>` (an array of objects whose `op`, `path`
 * and `from` are strings or null); anything else makes the controller throw (a 500). Operations whose `op` names
 * no operation are kept: `Operation.Apply` skips them silently. A valid operation without a path also throws (500).
 */
export function readPatchDocument(body: unknown): fastJsonPatch.Operation[] {
  if (!Array.isArray(body)) throw new MalformedPatchError('a JSON Patch document is an array of operations');
  if (body.length > MAX_OPERATIONS) throw new MalformedPatchError(`at most ${MAX_OPERATIONS} operations`);
  for (const operation of body) {
    if (typeof operation !== 'object' || operation === null || Array.isArray(operation))
      throw new MalformedPatchError('an operation is an object');
    const { op, path, from } = operation as { op?: unknown; path?: unknown; from?: unknown };
    for (const member of [op, path, from])
      if (member !== undefined && member !== null && typeof member !== 'string')
        throw new MalformedPatchError('op, path and from are strings');
    if (operationType(op) !== undefined && typeof path !== 'string')
      throw new MalformedPatchError('Value cannot be null. (Parameter path)');
  }
  return body as fastJsonPatch.Operation[];
}

/** Maps each path segment to the member it names, ignoring case (`JsonSerializerDefaults.Web` is case-insensitive). */
function normalizePath(document: unknown, path: string): string {
  if (path === '') return path;
  const segments = path.split('/').slice(1);
  let node: unknown = document;
  const out: string[] = [];
  for (const raw of segments) {
    const segment = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    let name = segment;
    if (node !== null && typeof node === 'object' && !Array.isArray(node)) {
      const match = Object.keys(node).find((key) => key.toLowerCase() === segment.toLowerCase());
      if (match !== undefined) name = match;
    }
    out.push(name.replace(/~/g, '~0').replace(/\//g, '~1'));
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[name] : undefined;
  }
  return `/${out.join('/')}`;
}

/** The value at a normalized pointer, and whether its parent is an object (not an array). */
function locate(document: unknown, path: string): { parentIsObject: boolean; value: unknown } {
  const segments = path
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  let parent: unknown = undefined;
  let node: unknown = document;
  for (const segment of segments) {
    parent = node;
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[segment] : undefined;
  }
  return { parentIsObject: parent !== null && typeof parent === 'object' && !Array.isArray(parent), value: node };
}

/**
 * Applies an RFC 6902 document to a stored flag the way `JsonPatchDocument<FeatureFlag>.ApplyTo` does: against
 * the typed entity, so every path must name an existing member (any member: key, tags, isArchived,
 * variationType…), `remove` of a member resets it to its default, and the result must still bind to the
 * entity's types; nothing semantic is checked. The first error is returned as FeatBit reports it.
 */
export function applyFlagPatch(flag: SandboxFlag, operations: readonly fastJsonPatch.Operation[]): PatchOutcome {
  const outcome = applyEntityPatch(flag, operations, strictSandboxFlagSchema);
  return outcome.ok ? { ok: true, flag: outcome.entity as SandboxFlag } : outcome;
}

/** `applyFlagPatch` for any stored entity, given the strict schema of its C# type (segments use it too). */
export function applyEntityPatch(
  entity: unknown,
  operations: readonly fastJsonPatch.Operation[],
  strictSchema: z.ZodType,
): { ok: true; entity: unknown } | { ok: false; error: string } {
  let document: unknown = structuredClone(entity);
  let lastError: string | undefined;
  for (const raw of operations) {
    const op = operationType(raw.op);
    if (op === undefined) continue;
    const error = applyOne(document, { ...raw, op } as fastJsonPatch.Operation, strictSchema);
    // With an error callback, ObjectAdapter reports and goes on; the handler answers the last error and saves nothing.
    if (typeof error === 'string') lastError = error;
    else document = error.document;
  }
  return lastError === undefined ? { ok: true, entity: document } : { ok: false, error: lastError };
}

function applyOne(
  document: unknown,
  raw: fastJsonPatch.Operation,
  strictSchema: z.ZodType,
): string | { document: unknown } {
  const operation = { ...raw, path: normalizePath(document, raw.path) } as fastJsonPatch.Operation;
  if ('from' in operation && typeof operation.from === 'string')
    (operation as { from: string }).from = normalizePath(document, operation.from);
  if (operation.path === '') return `The target location specified by path segment '' was not found.`;
  const target = locate(document, operation.path);
  const asReset = operation.op === 'remove' && target.parentIsObject && target.value !== undefined;
  const effective = asReset
    ? ({ op: 'replace', path: operation.path, value: removedMemberDefault(target.value) } as fastJsonPatch.Operation)
    : operation;
  let next: unknown;
  try {
    next = fastJsonPatch.applyOperation(structuredClone(document), effective, true, true).newDocument;
  } catch (error) {
    return patchErrorText(error, operation);
  }
  const bound = strictSchema.safeParse(next);
  if (!bound.success) {
    const issue = bound.error.issues[0]!;
    return issue.code === 'unrecognized_keys'
      ? `The target location specified by path segment '${issue.keys[0] ?? ''}' was not found.`
      : `The value '${JSON.stringify((operation as { value?: unknown }).value ?? null)}' is invalid for target location.`;
  }
  return { document: bound.data };
}

/** `Resources.resx` of Microsoft.AspNetCore.JsonPatch.SystemTextJson. */
function patchErrorText(error: unknown, operation: fastJsonPatch.Operation): string {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'TEST_OPERATION_FAILED')
    return `The current value at path '${operation.path}' is not equal to the test value '${JSON.stringify((operation as { value?: unknown }).value ?? null)}'.`;
  const last = operation.path.split('/').pop() ?? '';
  return `The target location specified by path segment '${last}' was not found.`;
}
