import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError, ValidationError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { centsToNumber, toScaled } from '../../lib/money.js';
import { findCompany } from '../companies/companies.repo.js';
import {
  deletePriceBookItem,
  findPriceBookItem,
  insertPriceBookItem,
  listPriceBookItems,
  updatePriceBookItem,
  type PriceBookRow,
} from './price-book.repo.js';
import type { CreatePriceBookItemInput, PriceBookItem, UpdatePriceBookItemInput } from './price-book.schemas.js';

const NOT_FOUND = 'Price book item not found';

type Pricing = { currency: string; taxMode: 'exclusive' | 'inclusive' };

function itemView(row: PriceBookRow, pricing: Pricing): PriceBookItem {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    unit: row.unit,
    unit_price: centsToNumber(row.unitPriceCents),
    currency: pricing.currency,
    tax_mode: pricing.taxMode,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}

// The schema allowed only 2 decimals, so toScaled cannot refuse here.
const cents = (price: number) => toScaled(price, 2)!;

/** The company's price book: what it charges for things it quotes often (issue 14). */
export function createPriceBook(deps: { db: Db; clock: Clock }) {
  const { db, clock } = deps;
  const now = () => new Date(clock.now());

  async function pricingOf(companyId: string): Promise<Pricing> {
    const company = await findCompany(db, companyId);
    if (!company) throw new NotFoundError('Company not found');
    return { currency: company.currency, taxMode: company.taxMode };
  }

  async function list(companyId: string, w: { limit: number; offset: number }) {
    const [pricing, page] = await Promise.all([pricingOf(companyId), listPriceBookItems(db, companyId, w)]);
    return { data: page.rows.map((r) => itemView(r, pricing)), total: page.total };
  }

  async function get(companyId: string, id: string) {
    const row = isUuid(id) ? await findPriceBookItem(db, companyId, id) : undefined;
    if (!row) throw new NotFoundError(NOT_FOUND);
    return itemView(row, await pricingOf(companyId));
  }

  async function create(companyId: string, input: CreatePriceBookItemInput) {
    const at = now();
    const row = await insertPriceBookItem(db, {
      companyId,
      name: input.name,
      description: input.description ?? null,
      unit: input.unit,
      unitPriceCents: cents(input.unit_price),
      createdAt: at,
      updatedAt: at,
    });
    return itemView(row, await pricingOf(companyId));
  }

  async function update(companyId: string, id: string, input: UpdatePriceBookItemInput) {
    if (!isUuid(id)) throw new NotFoundError(NOT_FOUND);
    const patch = {
      ...(input.name !== undefined && { name: input.name }),
      ...(input.description !== undefined && { description: input.description }),
      ...(input.unit !== undefined && { unit: input.unit }),
      ...(input.unit_price !== undefined && { unitPriceCents: cents(input.unit_price) }),
    };
    if (Object.keys(patch).length === 0) {
      // Unknown to this company first: another company's item is a 404 whatever the body.
      if (!(await findPriceBookItem(db, companyId, id))) throw new NotFoundError(NOT_FOUND);
      throw new ValidationError('No valid fields to update');
    }
    const row = await updatePriceBookItem(db, companyId, id, { ...patch, updatedAt: now() });
    if (!row) throw new NotFoundError(NOT_FOUND);
    return itemView(row, await pricingOf(companyId));
  }

  async function remove(companyId: string, id: string) {
    if (!isUuid(id) || !(await deletePriceBookItem(db, companyId, id))) throw new NotFoundError(NOT_FOUND);
  }

  return { list, get, create, update, remove };
}

export type PriceBookService = ReturnType<typeof createPriceBook>;
