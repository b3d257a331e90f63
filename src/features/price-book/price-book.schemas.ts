import { z } from 'zod';
import { PRICE_BOOK_UNITS } from '../../db/schema/index.js';
import { optionalText, timestamp, unitPrice } from '../../http/schema-fields.js';
import { paginationQuery } from '../../http/pagination.js';

const unit = z.enum(PRICE_BOOK_UNITS).meta({ description: 'each, hour, m2, metre or kw' });
const itemFields = {
  name: z.string().trim().min(1).max(500),
  description: optionalText(2000),
  unit,
  unit_price: unitPrice.meta({ description: "In the currency units, up to 2 decimals, in the company's tax mode (inclusive: tax is inside it)", example: 120 }),
};

export const createPriceBookItemBody = z.object({ ...itemFields, unit: unit.default('each').meta({ description: 'each (default), hour, m2, metre or kw' }) });
export const updatePriceBookItemBody = z.object(itemFields).partial();
export type CreatePriceBookItemInput = z.output<typeof createPriceBookItemBody>;
export type UpdatePriceBookItemInput = z.output<typeof updatePriceBookItemBody>;

export const listPriceBookQuery = paginationQuery;
export const priceBookItemParams = z.object({ id: z.string() });

export const priceBookItem = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string().nullable(),
    unit,
    unit_price: z.number(),
    currency: z.string().meta({ description: "The company's currency", example: 'AUD' }),
    tax_mode: z.enum(['exclusive', 'inclusive']).meta({ description: "How unit_price reads: the company's tax mode" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'PriceBookItem' });
export type PriceBookItem = z.infer<typeof priceBookItem>;
