import type { Request, Response } from 'express';
import type { z } from 'zod';
import type { Permission, Principal } from '../identity/index.js';

/** HTTP methods the API uses. */
export type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler receives: validated input and the authenticated caller. */
export interface RouteContext<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  /** The caller; always present on routes that declare a permission. */
  readonly principal: Principal;
  readonly request: Request;
  readonly response: Response;
}

/**
 * One API endpoint with the zod schemas of its input and output. The single registry of these drives request
 * validation, the authorization check and `/openapi.json`, so documentation and behaviour cannot drift apart.
 */
export interface RouteDefinition<
  P extends z.ZodType = z.ZodType,
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  readonly method: HttpMethod;
  /** Express-style path, e.g. `/v1/changes/:key`. */
  readonly path: string;
  readonly operationId: string;
  readonly summary: string;
  readonly tag: string;
  /** Permission the caller needs. */
  readonly permission: Permission;
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  /** Whether the body may also be sent as YAML. */
  readonly acceptsYaml?: boolean;
  readonly response: R;
  /** Status of a successful answer (200 unless stated). */
  readonly successStatus?: number;
  /** Returns the answer; it is checked against `response` before it is sent. */
  readonly handler: (context: RouteContext<z.output<P>, z.output<Q>, z.output<B>>) => Promise<unknown>;
}

/** Declares a route with full type inference of its handler's input and output. */
export function defineRoute<P extends z.ZodType, Q extends z.ZodType, B extends z.ZodType, R extends z.ZodType>(
  route: RouteDefinition<P, Q, B, R>,
): RouteDefinition {
  return route as unknown as RouteDefinition;
}
