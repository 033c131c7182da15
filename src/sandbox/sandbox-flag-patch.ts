import fastJsonPatch from 'fast-json-patch';
import { removedMemberDefault, strictSandboxFlagSchema, type SandboxFlag } from './sandbox-flag.js';

/** A JSON Patch document that is not one (not an array, an operation without `op`/`path`, an unknown `op`). */
export class MalformedPatchError extends Error {}

/** The outcome of applying a patch: the patched flag, or FeatBit's error text (answered as 200 `success:false`). */
export type PatchOutcome = { readonly ok: true; readonly flag: SandboxFlag } | { readonly ok: false; readonly error: string };

const OPERATIONS = ['add', 'remove', 'replace', 'move', 'copy', 'test'];
/** Bounds the work one request can cause (FeatBit has none; this only keeps the sandbox itself responsive). */
const MAX_OPERATIONS = 10_000;

/** Checks the document is a list of operations, as `JsonSerializer.Deserialize<JsonPatchDocument<FeatureFlag>>` needs. */
export function readPatchDocument(body: unknown): fastJsonPatch.Operation[] {
  if (!Array.isArray(body)) throw new MalformedPatchError('a JSON Patch document is an array of operations');
  if (body.length > MAX_OPERATIONS) throw new MalformedPatchError(`at most ${MAX_OPERATIONS} operations`);
  for (const operation of body) {
    const op = (operation as { op?: unknown } | null)?.op;
    const path = (operation as { path?: unknown } | null)?.path;
    if (typeof op !== 'string' || !OPERATIONS.includes(op.toLowerCase()) || typeof path !== 'string') {
      throw new MalformedPatchError(`Invalid JsonPatch operation '${String(op)}'.`);
    }
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
  const segments = path.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
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
  let document: unknown = structuredClone(flag);
  for (const raw of operations) {
    const operation = { ...raw, op: raw.op.toLowerCase(), path: normalizePath(document, raw.path) } as fastJsonPatch.Operation;
    if ('from' in operation && typeof operation.from === 'string') (operation as { from: string }).from = normalizePath(document, operation.from);
    if (operation.path === '') return { ok: false, error: `The target location specified by path segment '' was not found.` };
    const target = locate(document, operation.path);
    const asReset = operation.op === 'remove' && target.parentIsObject && target.value !== undefined;
    const effective = asReset ? ({ op: 'replace', path: operation.path, value: removedMemberDefault(target.value) } as fastJsonPatch.Operation) : operation;
    try {
      document = fastJsonPatch.applyOperation(document, effective, true, true).newDocument;
    } catch (error) {
      return { ok: false, error: patchErrorText(error, operation) };
    }
    const bound = strictSandboxFlagSchema.safeParse(document);
    if (!bound.success) {
      const issue = bound.error.issues[0]!;
      const where = `/${issue.path.join('/')}`;
      return {
        ok: false,
        error: issue.code === 'unrecognized_keys'
          ? `The target location specified by path segment '${issue.keys[0] ?? ''}' was not found.`
          : `The value '${JSON.stringify((operation as { value?: unknown }).value ?? null)}' is invalid for target location '${where}'.`,
      };
    }
    document = bound.data;
  }
  return { ok: true, flag: document as SandboxFlag };
}

function patchErrorText(error: unknown, operation: fastJsonPatch.Operation): string {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'TEST_OPERATION_FAILED') return `The current value at '${operation.path}' is not equal to the test value.`;
  const last = operation.path.split('/').pop() ?? '';
  return `The target location specified by path segment '${last}' was not found.`;
}
