import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../lib/errors.js';

// No request has a reason to nest JSON deeper than this (custom_data and metadata included), and
// everything that walks a body recursively (canonical JSON for Idempotency-Key, JSON.stringify in a
// size check, PostgreSQL's jsonb parser) can overflow its stack on a 1 MiB body of brackets.
export const MAX_JSON_DEPTH = 64;

/** The deepest nesting of arrays and objects in JSON text, counted without parsing it. */
export function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 /* { */ || c === 91 /* [ */) {
      if (++depth > max) max = depth;
    } else if (c === 125 /* } */ || c === 93 /* ] */) depth--;
  }
  return max;
}

/** Fastify's own JSON parser (with its __proto__ and constructor checks), behind a depth bound. */
export function registerJsonBodyParser(app: FastifyInstance) {
  const parse = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    if (jsonDepth(body as string) > MAX_JSON_DEPTH) {
      return done(new ValidationError(`Request body nests deeper than ${MAX_JSON_DEPTH} levels`), undefined);
    }
    parse(request, body as string, done);
  });
}
