import { z } from 'zod';
import { policySchema } from './policy-schema.js';

/** JSON Schema (draft 2020-12) of the policy format as written, for editors' completion and validation. */
export function policyJsonSchema(): Record<string, unknown> {
  return {
    ...z.toJSONSchema(policySchema, { io: 'input', unrepresentable: 'any' }),
    title: 'featgate policy pack',
  };
}
