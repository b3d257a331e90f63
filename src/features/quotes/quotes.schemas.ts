import { z } from 'zod';
import { calendarDate, optionalText, jsonObject, timestamp, unitPrice } from '../../http/schema-fields.js';
import { PRICE_BOOK_UNITS, QUOTE_STATUSES } from '../../db/schema/index.js';
import { paginationQuery } from '../../http/pagination.js';
import { toScaled } from '../../lib/money.js';

const lineUnit = z.enum(PRICE_BOOK_UNITS);

export const MAX_LINE_ITEMS = 200;

// Read from the number's shortest decimal form (as the service converts it), so what passes here is
// exactly what is stored: 0.30000000000000004 has 17 decimals, not 2.
const decimals = (max: number) => (n: number) => toScaled(n, max) !== null;

const lineItemInput = z
  .object({
    description: z
      .string()
      .trim()
      .min(1)
      .max(500)
      .optional()
      .meta({ description: "Required, unless the line comes from the price book (then: the item's name)" }),
    quantity: z
      .number()
      .gt(0, { message: 'must be greater than 0' })
      .max(1_000_000)
      .refine(decimals(3), { message: 'must have at most 3 decimal places' })
      .meta({ description: 'Up to 3 decimals (2.5 m²)', example: 2.5 }),
    unit_price: unitPrice
      .optional()
      .meta({ description: "In the currency units, up to 2 decimals. Required, unless the line comes from the price book (then: the item's price)", example: 45.5 }),
    unit: lineUnit.nullable().optional().meta({ description: "each, hour, m2, metre or kw (from the price book: the item's)" }),
    price_book_item_id: z
      .string()
      .optional()
      .meta({ format: 'uuid', description: "A price book item of the company: the line takes its name, unit and price where it does not give its own" }),
  })
  .superRefine((line, ctx) => {
    if (line.price_book_item_id !== undefined) return;
    if (line.description === undefined) ctx.addIssue({ code: 'custom', path: ['description'], message: 'must give each line a description, or a price_book_item_id' });
    if (line.unit_price === undefined) ctx.addIssue({ code: 'custom', path: ['unit_price'], message: 'must give each line a unit_price, or a price_book_item_id' });
  });
export type LineItemInput = z.output<typeof lineItemInput>;

export const taxMode = z.enum(['exclusive', 'inclusive']);
const date = calendarDate('must be a date (YYYY-MM-DD)').meta({ example: '2026-05-31' });

const quoteFields = {
  line_items: z
    .array(lineItemInput)
    .min(1, { message: 'must have at least 1 line item' })
    .max(MAX_LINE_ITEMS, { message: `must have at most ${MAX_LINE_ITEMS} line items` }),
  tax_rate: z
    .number()
    .min(0)
    .max(1, { message: 'must be a fraction between 0 and 1 (0.1 for 10%)' })
    .refine(decimals(5), { message: 'must have at most 5 decimal places' })
    .optional()
    .meta({ description: "A fraction (0.1 for 10%); default: the company's" }),
  tax_mode: taxMode.optional().meta({ description: "exclusive (tax added) or inclusive (tax inside the prices); default: the company's" }),
  notes: optionalText(10_000),
  valid_until: date.nullable().optional().meta({ description: "Last day the offer stands, in the company's timezone; not in the past" }),
  metadata: jsonObject.optional(),
};

// Unknown keys are dropped, not refused (as for leads); totals are never read from a client.
export const createQuoteBody = z.object({ lead_id: z.string().meta({ format: 'uuid' }), ...quoteFields });
export const updateQuoteBody = z.object({ ...quoteFields, line_items: quoteFields.line_items.optional() });
export type CreateQuoteInput = z.output<typeof createQuoteBody>;
export type UpdateQuoteInput = z.output<typeof updateQuoteBody>;

export const sendQuoteBody = z
  .object({
    sms: z.boolean().optional().meta({ description: 'Also text the public link to the lead (needs sms:send)' }),
  })
  .nullish(); // a send without a body is a plain send

export const quoteStatus = z.enum(QUOTE_STATUSES);
export const listQuotesQuery = paginationQuery.extend({
  status: quoteStatus.optional().meta({ description: 'Only quotes that read this status now (expired included)' }),
  lead_id: z
    .uuid()
    .optional()
    .meta({ description: "Only this lead's quotes; a lead of another company, or none, gives an empty list" }),
});
export type ListQuotesQuery = z.output<typeof listQuotesQuery>;

export const quoteIdParams = z.object({ id: z.string() });

export const lineItem = z.object({
  description: z.string(),
  quantity: z.number(),
  unit_price: z.number(),
  subtotal: z.number().meta({ description: 'quantity × unit_price, rounded half-up to the cent' }),
  unit: lineUnit.nullable(),
  price_book_item_id: z.uuid().nullable().meta({ description: 'The price book item the line was taken from (it may since have changed or gone)' }),
});

export const quote = z
  .object({
    id: z.uuid(),
    quote_number: z.string().meta({ example: 'Q-00042' }),
    status: quoteStatus,
    lead_id: z.uuid(),
    subtotal: z.number(),
    tax: z.number(),
    total: z.number(),
    tax_rate: z.number(),
    tax_mode: taxMode,
    currency: z.string().meta({ example: 'AUD' }),
    line_items: z.array(lineItem),
    metadata: z.record(z.string(), z.unknown()),
    notes: z.string().nullable(),
    valid_until: z.string().nullable().meta({ format: 'date' }),
    public_url: z.string().meta({ description: 'The page the customer opens (answers 404 while the quote is a draft)' }),
    created_at: timestamp,
    updated_at: timestamp,
    sent_at: timestamp.nullable(),
    viewed_at: timestamp.nullable(),
    accepted_at: timestamp.nullable(),
    declined_at: timestamp.nullable(),
  })
  .meta({ id: 'Quote' });
export type Quote = z.infer<typeof quote>;

export const quoteAnswer = z.object({ data: quote });
