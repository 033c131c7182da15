import { z } from 'zod';
import { problemSchema } from './problem.js';
import type { RouteDefinition } from './route-definition.js';

/** An OpenAPI 3.1 document (kept loosely typed: it is generated, then served as JSON). */
export type OpenApiDocument = Record<string, unknown>;

type JsonSchema = Record<string, unknown>;

/**
 * Generates the OpenAPI 3.1 document from the route registry with zod 4's `z.toJSONSchema`: request schemas in
 * their input form, responses in their output form, every error as problem+json.
 */
export function buildOpenApiDocument(routes: readonly RouteDefinition[], version: string): OpenApiDocument {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of routes) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    paths[path] ??= {};
    paths[path][route.method] = operationOf(route);
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'featgate governance API',
      version,
      description: 'Change records, reviews, evidence, releases, adoption and audit for AI configuration in FeatBit.',
    },
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'featgate API token or OIDC access token (JWT)' },
      },
      schemas: { Problem: toSchema(problemSchema, 'output') },
    },
    security: [{ bearer: [] }],
    paths,
  };
}

function operationOf(route: RouteDefinition): Record<string, unknown> {
  const parameters = [...parametersOf(route.params, 'path'), ...parametersOf(route.query, 'query')];
  const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };
  const responses: Record<string, unknown> = {
    [String(route.successStatus ?? 200)]: {
      description: 'Success',
      content: { 'application/json': { schema: toSchema(route.response, 'output') } },
    },
    '400': { description: 'Invalid input; `errors` names each field path', content: problem },
    '401': { description: 'Missing, expired or unaccepted credentials', content: problem },
    '403': { description: `Needs the permission ${route.permission}, or refused by policy`, content: problem },
  };
  if (route.params) responses['404'] = { description: 'Not found', content: problem };
  if (route.body) responses['413'] = { description: 'Request body too large', content: problem };
  if (route.method !== 'get') responses['409'] = { description: 'Conflicts with the current state', content: problem };
  const operation: Record<string, unknown> = {
    operationId: route.operationId,
    summary: route.summary,
    tags: [route.tag],
    'x-featgate-permission': route.permission,
    parameters,
    responses,
  };
  if (route.body) {
    const schema = toSchema(route.body, 'input');
    const content: Record<string, unknown> = { 'application/json': { schema } };
    if (route.acceptsYaml) content['application/yaml'] = { schema };
    operation.requestBody = { required: true, content };
  }
  return operation;
}

function parametersOf(schema: z.ZodType | undefined, location: 'path' | 'query'): unknown[] {
  if (!schema) return [];
  const json = toSchema(schema, 'input');
  const properties = (json.properties ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json.required ?? []) as string[]);
  return Object.entries(properties).map(([name, property]) => ({
    name,
    in: location,
    required: location === 'path' || required.has(name),
    schema: property,
    ...(typeof property.description === 'string' ? { description: property.description } : {}),
  }));
}

function toSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const json = z.toJSONSchema(schema, { io, unrepresentable: 'any', target: 'draft-2020-12' }) as JsonSchema;
  delete json.$schema;
  return json;
}
