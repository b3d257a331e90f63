import { z } from 'zod';

// A4: paging values are corrected, not refused, like the original service; `meta` says what was served.
function pagingNumber(fallback: number, min: number, max: number) {
  return z
    .union([z.string(), z.array(z.string())])
    .optional()
    .transform((raw) => {
      const text = Array.isArray(raw) ? raw[0] : raw;
      const n = text === undefined || text.trim() === '' ? NaN : Number(text);
      if (!Number.isFinite(n)) return fallback;
      return Math.min(max, Math.max(min, Math.floor(n)));
    });
}

export const MAX_PER_PAGE = 100;
// Far past any real list, and keeps page × per_page a safe integer for the database.
const MAX_PAGE = 10_000_000;

export const paginationQuery = z.object({
  page: pagingNumber(1, 1, MAX_PAGE).meta({ description: 'Page number, from 1 (default 1)' }),
  per_page: pagingNumber(25, 1, MAX_PER_PAGE).meta({ description: 'Rows per page, 1 to 100 (default 25)' }),
});

export const paginationMeta = z.object({
  page: z.number().int(),
  per_page: z.number().int(),
  total: z.number().int().meta({ description: 'Every row that matches the filters' }),
});

export function paginated<T extends z.ZodType>(item: T) {
  return z.object({ data: z.array(item), meta: paginationMeta });
}
/** A page of `T` as a list route answers it (the dashboard reads this type). */
export type Paginated<T> = z.infer<ReturnType<typeof paginated<z.ZodType<T>>>>;

export type Page = { page: number; per_page: number };

/** The rows a page asks for, as services take them: plain limit and offset, no HTTP words. */
export const windowOf = (p: Page) => ({ limit: p.per_page, offset: (p.page - 1) * p.per_page });

/** A service's rows and their total, answered with A4's meta. */
export const answerPage = <T>(p: Page, r: { data: T[]; total: number }) => ({
  data: r.data,
  meta: { page: p.page, per_page: p.per_page, total: r.total },
});
