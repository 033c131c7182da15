import { randomBytes } from 'node:crypto';
import type { Response } from 'express';
import type { z } from 'zod';

/**
 * ASP.NET Core's automatic answer when a body or route value cannot be bound to an action's parameter (FeatBit's
 * controllers are `[ApiController]` without a custom `InvalidModelStateResponseFactory`): 400 with a
 * `ValidationProblemDetails` keyed by JSON path, not FeatBit's `{success, errors, data}` envelope. Examples: a
 * `revision` that is not a GUID, a `comment` that is not a string, a toggle status that is not a boolean.
 */
export class ModelBindingProblem extends Error {
  constructor(readonly errors: Readonly<Record<string, readonly string[]>>) {
    super(`model binding failed: ${Object.keys(errors).join(', ')}`);
  }
}

/** The message System.Text.Json gives for a value of the wrong type; the schema's issue message names the .NET type. */
function conversionMessage(path: string, netType: string): string {
  const type = netType.startsWith('System.') ? netType : 'the declared type';
  return `The JSON value could not be converted to ${type}. Path: ${path}.`;
}

/** `$.targeting.rules[0].id` from a zod issue path. */
function jsonPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}.${String(part)}`),
    '$',
  );
}

/**
 * Binds a JSON body to an action parameter the way System.Text.Json does: values of the wrong type fail binding
 * (a `ModelBindingProblem` naming each JSON path and, for a non-nullable `parameter`, `The <parameter> field is
 * required.`); missing members keep their defaults. Rules FeatBit checks later with FluentValidation (answered in
 * its envelope) belong in the caller, not here.
 */
export function bindBody<S extends z.ZodType>(schema: S, body: unknown, parameter?: string): z.output<S> {
  const result = schema.safeParse(body ?? {});
  if (result.success) return result.data;
  const errors: Record<string, string[]> = {};
  for (const issue of result.error.issues) {
    const path = jsonPath(issue.path);
    (errors[path] ??= []).push(conversionMessage(path, issue.message));
  }
  if (parameter !== undefined) errors[parameter] = [`The ${parameter} field is required.`];
  throw new ModelBindingProblem(errors);
}

/** Reads a route value as ASP.NET binds a `bool` (`bool.TryParse`: `true`/`false`, any case, surrounding blanks). */
export function bindBooleanRouteValue(name: string, value: string): boolean {
  const text = value.trim().toLowerCase();
  if (text === 'true' || text === 'false') return text === 'true';
  throw new ModelBindingProblem({ [name]: [`The value '${value}' is not valid.`] });
}

/** Sends the `application/problem+json` answer ASP.NET Core gives for a `ModelBindingProblem`. */
export function sendModelBindingProblem(res: Response, problem: ModelBindingProblem): void {
  const traceId = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-00`;
  res
    .status(400)
    .type('application/problem+json')
    .send(
      JSON.stringify({
        type: 'https://tools.ietf.org/html/rfc9110#section-15.5.1',
        title: 'One or more validation errors occurred.',
        status: 400,
        errors: problem.errors,
        traceId,
      }),
    );
}
