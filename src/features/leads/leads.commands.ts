import type { Actor, Tenant } from '../../auth/principal.js';
import type { Db } from '../../db/client.js';
import type { Clock } from '../../lib/clock.js';
import { NotFoundError } from '../../lib/errors.js';
import { isUuid } from '../../lib/ids.js';
import { findCompany } from '../companies/companies.repo.js';
import { createLeadUpserts } from './lead-upsert.service.js';
import type { RowRefusal } from './leads-import.js';
import { createLeads } from './leads.service.js';

type Ctx = { db: Db; clock: Clock };

export const IMPORT_ACTOR: Actor = { type: 'system', id: null, name: 'csv import' };

/** What an import recorded, or would record on a dry run: the rows refused by their line in the file. */
export type ImportTally = { created: number; updated: number; refused: number; errors: RowRefusal[] };

/**
 * One chunk of `quoteleads leads import` (up to 500 rows, one transaction), sent by the command's
 * process as its own data command so that it runs in that process or in the server holding the
 * embedded database, and the command can report progress between chunks. `lines[i]` is the line
 * of the file that `items[i]` came from.
 */
export async function importChunkFromCommand(
  ctx: Ctx,
  c: { companyId: string; items: unknown[]; lines: number[]; dryRun: boolean },
): Promise<ImportTally> {
  const company = isUuid(c.companyId) ? await findCompany(ctx.db, c.companyId) : undefined;
  if (!company) throw new NotFoundError(`Company not found: ${c.companyId}`);
  const tally: ImportTally = { created: 0, updated: 0, refused: 0, errors: [] };
  if (c.items.length === 0) return tally;
  // National numbers in the file are read in the company's country, as its API token would read them.
  const tenant: Tenant = { companyId: company.id, country: company.country };
  const upserts = createLeadUpserts({ ...ctx, leads: createLeads(ctx) });
  const results = c.dryRun
    ? await upserts.rehearseImportBatch(tenant, c.items, IMPORT_ACTOR)
    : await upserts.importBatch(tenant, c.items, IMPORT_ACTOR);
  for (const r of results) {
    if (r.status === 'created') tally.created++;
    else if (r.status === 'updated') tally.updated++;
    else tally.errors.push({ line: c.lines[r.index], error: r.error ?? 'refused', field: r.field });
  }
  tally.refused = tally.errors.length;
  return tally;
}
