// One error family. Services throw these; src/http/errors.ts is the only place that turns them into
// HTTP answers, so a status and its `code` are decided once.

export type FieldProblem = { field: string; message: string };

export class AppError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details?: FieldProblem[],
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  constructor(message: string, details?: FieldProblem[]) {
    super(message, 400, 'validation_failed', details);
  }
}
export class UnauthorizedError extends AppError {
  constructor(message: string) {
    super(message, 401, 'unauthorized');
  }
}
export class ForbiddenError extends AppError {
  constructor(message: string) {
    super(message, 403, 'forbidden');
  }
}
export class PaymentRequiredError extends AppError {
  constructor(message: string) {
    super(message, 402, 'insufficient_credits');
  }
}
export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 404, 'not_found');
  }
}
export class ConflictError extends AppError {
  constructor(message: string, headers?: Record<string, string>) {
    super(message, 409, 'conflict', undefined, headers);
  }
}
export class UnprocessableError extends AppError {
  constructor(message: string, code = 'unprocessable') {
    super(message, 422, code);
  }
}
export class RateLimitedError extends AppError {
  constructor(message: string, headers: Record<string, string>) {
    super(message, 429, 'rate_limited', undefined, headers);
  }
}

/** A usage mistake of the `quoteleads` command: one line on stderr, exit code 2. */
export class UsageError extends Error {}
