// PostgreSQL error codes we act on; both drivers expose `code` (sometimes on `cause`, via Drizzle).
function pgCode(err: unknown): string | undefined {
  let e = err as { code?: unknown; cause?: unknown } | undefined;
  for (let depth = 0; e && depth < 4; depth++) {
    if (typeof e.code === 'string' && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
    e = e.cause as typeof e;
  }
  return undefined;
}

export const uniqueViolation = (err: unknown) => pgCode(err) === '23505';
export const foreignKeyViolation = (err: unknown) => pgCode(err) === '23503';
