import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { z } from 'zod';
import { AppError, ValidationError, type FieldProblem } from '../lib/errors.js';

type ValidationIssue = {
  keyword: string;
  instancePath: string;
  message?: string;
  params?: Record<string, unknown>;
};

const UNIT: Record<string, string> = { string: ' characters', array: ' items' };
const unitOf = (origin: unknown) => UNIT[String(origin)] ?? '';

/** One readable sentence per Zod issue, naming the field as the original API does: 'field' must … */
function describeIssue(issue: ValidationIssue, context: string): FieldProblem {
  const field = issue.instancePath.replace(/^\//, '').split('/')[0] || context;
  const p = issue.params ?? {};
  let message: string;
  if (issue.message?.startsWith('must ')) message = issue.message;
  else if (issue.keyword === 'invalid_value' && Array.isArray(p.values)) message = `must be one of: ${p.values.join(', ')}`;
  else if (issue.keyword === 'invalid_type') {
    message = p.input === undefined && issue.message?.includes('undefined') ? 'is required' : `must be ${article(String(p.expected))}`;
  } else if (issue.keyword === 'too_big') {
    message = `must be at most ${p.maximum}${unitOf(p.origin)}`;
  } else if (issue.keyword === 'too_small') {
    message = p.origin === 'string' && p.minimum === 1 ? 'must not be empty' : `must be at least ${p.minimum}${unitOf(p.origin)}`;
  } else if (issue.keyword === 'invalid_format') message = `must be a valid ${p.format}`;
  else message = issue.message ?? 'is invalid';
  return { field, message };
}

// Zod's names for JSON types, in the words an API client uses.
const JSON_TYPE: Record<string, string> = { record: 'object', int: 'integer', nan: 'number' };
function article(zodType: string) {
  const type = JSON_TYPE[zodType] ?? zodType;
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

/**
 * A Zod failure outside a route (a service checking what the command line sent) as the same 400 a
 * route gives: `'field' message`, with the details.
 */
export function validationErrorOf(error: z.ZodError): ValidationError {
  const details = error.issues.map((issue) => {
    const { path, code, message, ...params } = issue;
    return describeIssue({ keyword: code, instancePath: `/${path.join('/')}`, message, params }, 'body');
  });
  return new ValidationError(`'${details[0].field}' ${details[0].message}`, details);
}

function errorBody(request: FastifyRequest, message: string, code: string, details?: FieldProblem[]) {
  return { error: message, code, request_id: request.id, ...(details && details.length ? { details } : {}) };
}

function sendError(reply: FastifyReply, err: AppError) {
  if (err.headers) reply.headers(err.headers);
  return reply.code(err.status).send(errorBody(reply.request, err.message, err.code, err.details));
}

/** The one place where errors become HTTP answers. */
export function registerErrorHandling(app: FastifyInstance) {
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof AppError) return sendError(reply, error);

    if (error.validation) {
      const context = error.validationContext ?? 'body';
      if (context === 'body' && error.validation[0]?.instancePath === '' && request.body == null) {
        return reply.code(400).send(errorBody(request, 'Request body must be a JSON object', 'validation_failed'));
      }
      const details = (error.validation as ValidationIssue[]).map((i) => describeIssue(i, context));
      const first = details[0];
      return reply
        .code(400)
        .send(errorBody(request, `'${first.field}' ${first.message}`, 'validation_failed', details));
    }

    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.code(400).send(errorBody(request, 'Invalid JSON body', 'invalid_json'));
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.code(413).send(errorBody(request, 'Request body is larger than 1 MiB', 'payload_too_large'));
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply
          .code(415)
          .send(errorBody(request, 'Content-Type must be application/json', 'unsupported_media_type'));
    }
    if (error instanceof SyntaxError || (error.statusCode === 400 && /JSON/i.test(error.message))) {
      return reply.code(400).send(errorBody(request, 'Invalid JSON body', 'invalid_json'));
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return reply.code(error.statusCode).send(errorBody(request, error.message, 'bad_request'));
    }
    // Unknown: log it with the request id; the client learns nothing about SQL or stack traces.
    request.log.error({ err: error }, 'unhandled error');
    return reply.code(500).send(errorBody(request, 'Internal server error', 'internal'));
  });

  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0];
    const message = path.startsWith('/v1') ? `Unknown route: ${request.method} ${path}` : 'Not found';
    return reply.code(404).send(errorBody(request, message, 'not_found'));
  });
}
