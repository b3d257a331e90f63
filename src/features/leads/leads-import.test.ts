import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type Tenant, type TestServer } from '../../../test/helpers.js';
import { runDataCommand } from '../../cli/commands.js';
import { importLeadsFile } from '../../cli/leads-import.js';
import { jobs, smsMessages } from '../../db/schema/index.js';
import { fieldOfHeader } from './leads-import.js';

// The import as `quoteleads leads import` runs it, in process: the file read and chunked here, each
// chunk a data command against the real database (test/cli.test.ts runs the command itself).
let server: TestServer;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ql-import-'));
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

let files = 0;
function csvFile(text: string): string {
  const file = path.join(dir, `${++files}.csv`);
  fs.writeFileSync(file, text);
  return file;
}

const ctx = () => ({ db: server.database.db, clock: server.clock, config: server.config, engine: server.database.engine });
const importCsv = (t: Tenant, text: string, o: { dryRun?: boolean; source?: string; onChunk?: (done: number, total: number) => void } = {}) =>
  importLeadsFile({ companyId: t.companyId, file: csvFile(text), source: o.source ?? 'csv_import', dryRun: o.dryRun ?? false }, (c) => runDataCommand(ctx(), c), o.onChunk);

const leadsOf = async (t: Tenant) => (await t.call('GET', '/v1/leads?per_page=100')).body.data as Record<string, any>[];
const byName = async (t: Tenant, name: string) => (await leadsOf(t)).find((l) => l.name === name);
const totalLeads = async (t: Tenant) => (await t.call('GET', '/v1/leads')).body.meta.total as number;
const jobsOf = (companyId: string) => server.database.db.select().from(jobs).where(eq(jobs.companyId, companyId));

describe('column headers', () => {
  it.each([
    ['Name', 'name'],
    ['First Name', 'first_name'],
    ['first_name', 'first_name'],
    ['firstname', 'first_name'],
    ['Last Name', 'last_name'],
    ['Surname', 'last_name'],
    ['Email', 'email'],
    ['E-mail', 'email'],
    ['Phone', 'phone'],
    ['Mobile', 'phone'],
    ['Phone Number', 'phone'],
    ['Postcode', 'postcode'],
    ['Zip', 'postcode'],
    ['Post Code', 'postcode'],
    ['Source', 'source'],
    ['Service', 'service_type'],
    ['Service Type', 'service_type'],
    ['Job Type', 'service_type'],
    ['Notes', 'notes'],
    ['Address', 'address'],
    ['VALUE', 'value'],
    ['Stage', 'pipeline_stage'],
    ['pipeline_stage', 'pipeline_stage'],
    ['External ID', 'external_id'],
    ['id', 'external_id'],
    ['external_id', 'external_id'],
    ['Suburb', null],
    ['Metadata', null],
  ])('%s is %s', (header, field) => {
    expect(fieldOfHeader(header)).toBe(field);
  });
});

describe('quoteleads leads import', () => {
  it("fills the lead's fields from a sheet's columns, keeps other columns in custom_data, and leaves empty cells out", async () => {
    const t = await server.tenant();
    const csv = [
      'First Name,Surname,E-mail,Mobile,Post Code,Suburb,Job Type,Value,Stage,External ID,Source,Notes,Address',
      'Sam,Roofer,Sam@Example.com,0412 345 678,2150,Parramatta,Roof repair,"$1,250.50",Quoted,crm-1,Referral,Keep this,1 High St',
      'Jo,,,0412 345 679,,,,,,crm-2,,,',
    ].join('\n');
    expect(await importCsv(t, csv, { source: 'old_crm' })).toEqual({ created: 2, updated: 0, refused: 0, errors: [] });
    expect(await byName(t, 'Sam Roofer')).toMatchObject({
      first_name: 'Sam', last_name: 'Roofer', email: 'sam@example.com', phone: '+61412345678', postcode: '2150',
      service_type: 'Roof repair', value: 1250.5, pipeline_stage: 'quoted', external_id: 'crm-1', source: 'Referral',
      notes: 'Keep this', address: '1 High St', custom_data: { Suburb: 'Parramatta' },
    });
    // Without a source of its own the row gets --source; its empty cells are not there at all.
    expect(await byName(t, 'Jo')).toMatchObject({ source: 'old_crm', email: null, postcode: null, custom_data: {} });

    // An empty cell is absent, not a null: a row matched by external id keeps what the cell does not say.
    const again = await importCsv(t, 'External ID,Name,Notes,Suburb\ncrm-1,,,Rydalmere\n');
    expect(again).toMatchObject({ created: 0, updated: 1 });
    expect(await byName(t, 'Sam Roofer')).toMatchObject({ notes: 'Keep this', custom_data: { Suburb: 'Rydalmere' } });
  });

  it.each([
    ['CRLF with a byte order mark', '\r\n', '\uFEFF'],
    ['LF', '\n', ''],
  ])('reads %s, and a quoted cell with commas and line breaks, naming later rows by their line in the file', async (_, nl, bom) => {
    const t = await server.tenant();
    const csv =
      bom +
      [
        'Suburb,Name,Phone,Notes', // line 1; the BOM must not become part of "Suburb"
        `Ryde,Sam,0412 345 678,"Roof, gutters${nl}and a second line${nl}and a third"`, // lines 2-4
        'Ryde,Bad Phone,call me,', // 5
        '', // 6
        ',Jo,0412 345 679,"plain, with a comma"', // 7
        ',,,no one', // 8
      ].join(nl) +
      nl;
    const tally = await importCsv(t, csv);
    expect(tally).toMatchObject({ created: 2, updated: 0, refused: 2 });
    expect(tally.errors).toEqual([
      { line: 5, error: "'phone' is not a valid phone number: call me", field: 'phone' },
      { line: 8, error: "At least a 'name' (or 'first_name'/'last_name') or a 'phone' is required", field: 'name' },
    ]);
    expect(await byName(t, 'Sam')).toMatchObject({ notes: 'Roof, gutters\nand a second line\nand a third', custom_data: { Suburb: 'Ryde' } });
    expect(await byName(t, 'Jo')).toMatchObject({ notes: 'plain, with a comma', custom_data: {} });
  });

  it('records the good rows and names each bad one by its line and field', async () => {
    const t = await server.tenant();
    const csv = [
      'Name,Email,Phone,Value,Stage',
      'Good One,one@example.com,0412 000 001,100,',
      'Bad Email,not-an-email,0412 000 002,,',
      'Bad Phone,,12,,',
      ',,,,',
      ',no-name@example.com,,,',
      'Bad Value,,0412 000 003,about 300,',
      'Bad Stage,,0412 000 004,,Somewhere',
      'Too Many,,0412 000 005,,,extra',
      'Good Two,,0412 000 006,"1,000",Closed Won',
    ].join('\n');
    const tally = await importCsv(t, csv);
    expect(tally).toMatchObject({ created: 2, updated: 0, refused: 6 });
    expect(tally.errors.map((e) => [e.line, e.field])).toEqual([
      [3, 'email'],
      [4, 'phone'],
      [6, 'name'],
      [7, 'value'],
      [8, 'pipeline_stage'],
      [9, null],
    ]);
    expect(tally.errors[0].error).toBe("'email' must be a valid email address");
    expect(tally.errors[3].error).toBe("'value' must be a number, got 'about 300'");
    expect(tally.errors[5].error).toBe('The row has 6 cells; the header has 5');
    expect((await leadsOf(t)).map((l) => [l.name, l.value, l.pipeline_stage]).sort()).toEqual([
      ['Good One', 100, 'new_lead'],
      ['Good Two', 1000, 'closed_won'],
    ]);
  });

  it('updates on a second import instead of duplicating: by external id, else phone, else email', async () => {
    const t = await server.tenant();
    const csv = ['External ID,Name,Phone,Email', 'x-1,By Id,,', ',By Phone,0412 111 001,', ',By Email,,byemail@example.com'].join('\n');
    expect(await importCsv(t, csv)).toMatchObject({ created: 3, updated: 0, refused: 0 });
    const again = await importCsv(t, csv.replace('By Id', 'By Id Renamed'));
    expect(again).toMatchObject({ created: 0, updated: 3, refused: 0 });
    expect(await totalLeads(t)).toBe(3);
    const renamed = await byName(t, 'By Id Renamed');
    expect(renamed).toBeDefined();
    const matched = async (name: string) => {
      const lead = (await byName(t, name))!;
      const subs = (await t.call('GET', `/v1/leads/${lead.id}/submissions`)).body.data;
      return subs.map((s: { channel: string; matched_by: string | null }) => [s.channel, s.matched_by]);
    };
    expect(await matched('By Id Renamed')).toEqual([['import', 'external_id'], ['import', null]]);
    expect(await matched('By Phone')).toEqual([['import', 'phone'], ['import', null]]);
    expect(await matched('By Email')).toEqual([['import', 'email'], ['import', null]]);
  });

  it('--dry-run answers what the import would and writes nothing', async () => {
    const t = await server.tenant();
    const csv = ['Name,Phone,Email', 'Dry One,0412 222 001,', 'Dry Two,,dry@example.com', 'Dry Bad,,nope'].join('\n');
    const dry = await importCsv(t, csv, { dryRun: true });
    expect(dry).toMatchObject({ created: 2, updated: 0, refused: 1, errors: [{ line: 4, field: 'email' }] });
    expect(await totalLeads(t)).toBe(0);
    expect(await server.events(t.companyId)).toEqual([]);
    expect(await importCsv(t, csv)).toEqual(dry);
    expect(await totalLeads(t)).toBe(2);
  });

  it('texts no one: no instant reply nor agent greeting is planned for an imported lead, new or matched', async () => {
    const t = await server.tenant();
    await runDataCommand(ctx(), { kind: 'company update', id: t.companyId, instantReply: 'Hi {first_name}, thanks for your enquiry' });
    const csv = ['Name,Phone', 'Old Customer,0412 333 001', 'Older Customer,0412 333 002'].join('\n');
    expect(await importCsv(t, csv)).toMatchObject({ created: 2 });
    expect((await leadsOf(t)).map((l) => [l.auto_text_held, l.ai_enabled])).toEqual([['import', true], ['import', true]]);
    // The trigger is live for every other path: a lead from the API is greeted.
    const fresh = await t.call('POST', '/v1/leads', { name: 'New Enquiry', phone: '0412 333 003' });
    expect((await jobsOf(t.companyId)).map((j) => [j.kind, j.leadId])).toEqual([['instant_reply', fresh.body.data.id]]);

    // With the agent on, an import plans no greeting either; a lead it matches is not marked held.
    await runDataCommand(ctx(), { kind: 'agent update', companyId: t.companyId, changes: { enabled: true } });
    const more = await importCsv(t, [csv, 'Third Customer,0412 333 004', 'New Enquiry,0412 333 003'].join('\n'));
    expect(more).toMatchObject({ created: 1, updated: 3 });
    expect((await jobsOf(t.companyId)).map((j) => j.kind)).toEqual(['instant_reply']);
    expect(await byName(t, 'New Enquiry')).toMatchObject({ auto_text_held: null, ai_enabled: true });
    expect((await byName(t, 'Third Customer'))!.auto_text_held).toBe('import');
    expect(await server.database.db.select().from(smsMessages).where(eq(smsMessages.companyId, t.companyId))).toEqual([]);
  });

  it('imports 10,000 rows in chunks of 500', async () => {
    const t = await server.tenant();
    const rows = Array.from({ length: 10_000 }, (_, i) => `Lead ${i},04${String(20_000_000 + i)},lead${i}@example.com,Suburb ${i % 50}`);
    const chunks: [number, number][] = [];
    const tally = await importCsv(t, ['Name,Phone,Email,Suburb', ...rows].join('\n'), { onChunk: (done, total) => chunks.push([done, total]) });
    expect(tally).toEqual({ created: 10_000, updated: 0, refused: 0, errors: [] });
    expect(chunks).toHaveLength(20);
    expect(chunks[0]).toEqual([500, 10_000]);
    expect(chunks[19]).toEqual([10_000, 10_000]);
    expect(await totalLeads(t)).toBe(10_000);
    expect(await jobsOf(t.companyId)).toEqual([]);
  }, 180_000);

  it('refuses an unknown company, and a file that is not CSV or has no header, before writing anything', async () => {
    const t = await server.tenant();
    const unknown = { ...t, companyId: '00000000-0000-4000-8000-000000000000' };
    await expect(importCsv(unknown, 'Name\nSam\n')).rejects.toThrow('Company not found: 00000000-0000-4000-8000-000000000000');
    await expect(importCsv({ ...t, companyId: 'acme' }, 'Name\n')).rejects.toThrow('Company not found: acme');
    await expect(importCsv(t, '')).rejects.toThrow('is empty: the first line must be a header row');
    await expect(importCsv(t, 'Name;Phone\nSam;0412 444 001\n')).rejects.toThrow('The header row names no name or phone column');
    // A quote left open at the end: the rows before it are not imported either.
    await expect(importCsv(t, 'Name,Notes\nSam,fine\nJo,"never closed\n')).rejects.toThrow('cannot be read as CSV: Quote Not Closed');
    await expect(importLeadsFile({ companyId: t.companyId, file: path.join(dir, 'missing.csv'), source: 'x', dryRun: false }, (c) => runDataCommand(ctx(), c))).rejects.toThrow(
      'missing.csv cannot be read: no such file',
    );
    expect(await totalLeads(t)).toBe(0);
  });
});
