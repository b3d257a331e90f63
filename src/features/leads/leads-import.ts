import fs from 'node:fs';
import { CsvError, parse } from 'csv-parse';
import { PIPELINE_STAGES } from '../../db/schema/index.js';
import { ValidationError } from '../../lib/errors.js';
import { BATCH_LIMIT } from './leads.schemas.js';

// `quoteleads leads import`: a spreadsheet's or another CRM's CSV export, read row by row (never the
// whole file in memory) and turned into the items of POST /v1/leads/batch, 500 at a time.

/** The lead fields a column can fill, and the header names (compared without case, spaces or punctuation) that mean each. */
const HEADER_NAMES = {
  name: ['name', 'fullname', 'contactname', 'customername'],
  first_name: ['firstname', 'first', 'givenname'],
  last_name: ['lastname', 'last', 'surname', 'familyname'],
  email: ['email', 'emailaddress'],
  phone: ['phone', 'mobile', 'phonenumber', 'mobilenumber', 'mobilephone', 'cell', 'cellphone', 'telephone', 'tel'],
  postcode: ['postcode', 'zip', 'zipcode', 'postalcode'],
  source: ['source', 'leadsource'],
  service_type: ['service', 'servicetype', 'jobtype'],
  notes: ['notes', 'note', 'comments', 'comment'],
  address: ['address', 'streetaddress'],
  value: ['value', 'jobvalue', 'dealvalue'],
  pipeline_stage: ['stage', 'pipelinestage'],
  external_id: ['externalid', 'id'],
} as const;
export type ImportField = keyof typeof HEADER_NAMES;

const FIELD_OF_NAME = new Map<string, ImportField>(
  Object.entries(HEADER_NAMES).flatMap(([field, names]) => names.map((n) => [n, field as ImportField] as const)),
);

/** For the usage text and the README: which headers fill which field. */
export const IMPORT_COLUMNS_HELP = `Columns are matched by their header, ignoring case, spaces and punctuation:
        Name, First Name (firstname, first_name), Last Name (Surname), Email (E-mail),
        Phone (Mobile, Phone Number, Tel), Postcode (Zip, Post Code), Address, Source,
        Service (Service Type, Job Type), Notes (Comments), Value (a number; $ and 1,000 separators
        allowed), Stage (pipeline_stage: new_lead, quoted…), External ID (id, external_id).
        Any other column (Suburb…) goes into custom_data under its header. Empty cells are left out.`;

export const fieldOfHeader = (header: string): ImportField | null => FIELD_OF_NAME.get(header.toLowerCase().replace(/[^a-z0-9]/g, '')) ?? null;

export type ImportColumn = { header: string; field: ImportField | null };
export type RowRefusal = { line: number; error: string; field: string | null };
export type ImportRow = { line: number; item: Record<string, unknown> } | RowRefusal;

/** The header row as columns; refused when it could name no lead (every row would be refused). */
export function columnsOfHeader(cells: string[]): ImportColumn[] {
  const columns = cells.map((cell) => {
    const header = cell.trim();
    return { header, field: header ? fieldOfHeader(header) : null };
  });
  if (!columns.some((c) => c.field === 'name' || c.field === 'first_name' || c.field === 'last_name' || c.field === 'phone')) {
    throw new ValidationError(`The header row names no name or phone column (a lead needs one): ${cells.join(',').slice(0, 200)}`);
  }
  return columns;
}

// "$1,250.50", "1250", "1 250": what a spreadsheet shows; anything else is not a number.
function numberOf(text: string): number | null {
  const plain = text.replace(/^[A-Z]{0,3}[$£€]/, '').replace(/[\s,](?=\d{3}(\D|$))/g, '');
  return /^-?\d+(\.\d+)?$/.test(plain) ? Number(plain) : null;
}

// "Quoted", "Closed Won", "closed-lost" read as the stage they name; anything else is refused by the schema.
function stageOf(text: string): string {
  const stage = text.toLowerCase().replace(/[\s-]+/g, '_');
  return (PIPELINE_STAGES as readonly string[]).includes(stage) ? stage : text;
}

/**
 * One row as a batch item: each cell under its column's field, or its header in custom_data; empty
 * cells left out. When two columns mean one field (Phone and Mobile), the first that is filled is the
 * field and the other goes into custom_data, so nothing typed is lost.
 */
export function itemOfRow(columns: ImportColumn[], cells: string[], line: number, source: string): ImportRow {
  if (cells.length > columns.length) {
    return { line, error: `The row has ${cells.length} cells; the header has ${columns.length}`, field: null };
  }
  const item: Record<string, unknown> = {};
  const custom: Record<string, string> = {};
  for (let i = 0; i < cells.length; i++) {
    const text = cells[i].trim().replace(/\r\n?/g, '\n');
    const { header, field } = columns[i];
    if (text === '' || header === '') continue;
    if (field === null || field in item) {
      custom[header] = text;
    } else if (field === 'value') {
      const value = numberOf(text);
      if (value === null) return { line, error: `'value' must be a number, got '${text}'`, field: 'value' };
      item.value = value;
    } else {
      item[field] = field === 'pipeline_stage' ? stageOf(text) : text;
    }
  }
  if (Object.keys(custom).length) item.custom_data = custom;
  item.source ??= source;
  return { line, item };
}

const lineBreaks = (cells: string[]) => cells.reduce((n, cell) => n + (cell.match(/\r\n|\r|\n/g)?.length ?? 0), 0);
const blank = (cells: string[]) => cells.every((c) => c.trim() === '');

/**
 * The file's records with the line each starts on (a quoted cell that spans lines counts them; empty
 * lines are skipped but counted). Errors reading or parsing the file are the operator's to fix.
 */
async function* recordsOf(path: string): AsyncGenerator<{ line: number; cells: string[] }> {
  const parser = parse({ bom: true, relax_column_count: true, relax_quotes: true });
  const input = fs.createReadStream(path);
  input.on('error', (err) => parser.destroy(err));
  input.pipe(parser);
  let line = 1;
  try {
    for await (const cells of parser as AsyncIterable<string[]>) {
      if (!blank(cells)) yield { line, cells };
      // Outside quotes a line break ends the record, so the record's own breaks are all inside cells.
      line += 1 + lineBreaks(cells);
    }
  } catch (err) {
    if (err instanceof CsvError) throw new ValidationError(`${path} cannot be read as CSV: ${err.message}`);
    const e = err as NodeJS.ErrnoException;
    if (e.code) throw new ValidationError(`${path} cannot be read: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
    throw err;
  } finally {
    input.destroy();
  }
}

/**
 * Reads the whole file once before anything is written: a file that is no CSV, or has no header,
 * is refused as a whole rather than half imported. Answers the number of rows under the header.
 */
export async function checkImportFile(path: string): Promise<{ rows: number }> {
  let columns: ImportColumn[] | undefined;
  let rows = 0;
  for await (const { cells } of recordsOf(path)) {
    if (columns) rows++;
    else columns = columnsOfHeader(cells);
  }
  if (!columns) throw new ValidationError(`${path} is empty: the first line must be a header row naming the columns`);
  return { rows };
}

export type ImportChunk = { rows: { line: number; item: Record<string, unknown> }[]; refused: RowRefusal[] };

/** The file's rows, 500 at a time (what one batch records in one transaction). */
export async function* importChunks(path: string, source: string, size = BATCH_LIMIT): AsyncGenerator<ImportChunk> {
  let columns: ImportColumn[] | undefined;
  let chunk: ImportChunk = { rows: [], refused: [] };
  for await (const { line, cells } of recordsOf(path)) {
    if (!columns) {
      columns = columnsOfHeader(cells);
      continue;
    }
    const row = itemOfRow(columns, cells, line, source);
    if ('item' in row) chunk.rows.push(row);
    else chunk.refused.push(row);
    if (chunk.rows.length + chunk.refused.length === size) {
      yield chunk;
      chunk = { rows: [], refused: [] };
    }
  }
  if (chunk.rows.length + chunk.refused.length) yield chunk;
}
