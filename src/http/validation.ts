import type { FastifySchemaCompiler, FastifySchemaValidationError } from 'fastify';
import { validatorCompiler as zodValidatorCompiler } from 'fastify-type-provider-zod';
import { textProblemIn } from './schema-fields.js';

/**
 * Every route's request schema, with one rule no field can forget: a string that PostgreSQL cannot
 * store (schema-fields.ts) is a 400 naming the field, in the body and the query string, before Zod
 * reads (and trims) anything. Path parameters are ids and tokens: a bad one is simply not found (A5).
 */
export const validatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
  const validate = zodValidatorCompiler(route as never);
  if (route.httpPart !== 'body' && route.httpPart !== 'querystring') return validate;
  return (data: unknown) => {
    const problem = textProblemIn(data);
    if (!problem) return validate(data);
    const instancePath = `/${problem.path.join('/')}`;
    const error: FastifySchemaValidationError = { keyword: 'custom', instancePath, schemaPath: '#', message: problem.message, params: {} };
    return { error: [error] };
  };
};
