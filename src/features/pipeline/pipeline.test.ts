import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer();
});
afterAll(() => server.close());

it('answers all six stages, zeros included, and follows creates and stage moves', async () => {
  const t = await server.tenant();
  const empty = await t.call('GET', '/v1/pipeline');
  expect(empty.status).toBe(200);
  expect(empty.body).toEqual({
    data: { new_lead: 0, follow_up: 0, quote_in_progress: 0, quoted: 0, closed_won: 0, closed_lost: 0 },
  });

  const ids: string[] = [];
  for (const stage of ['new_lead', 'new_lead', 'quoted', 'quoted', 'quoted', 'closed_lost']) {
    ids.push((await t.call('POST', '/v1/leads', { name: `Lead ${ids.length}`, pipeline_stage: stage })).body.data.id);
  }
  await t.call('PATCH', `/v1/leads/${ids[2]}`, { pipeline_stage: 'closed_won' });
  await t.call('PATCH', `/v1/leads/${ids[0]}`, { pipeline_stage: 'follow_up' });

  const res = await t.call('GET', '/v1/pipeline');
  expect(res.body).toEqual({
    data: { new_lead: 1, follow_up: 1, quote_in_progress: 0, quoted: 2, closed_won: 1, closed_lost: 1 },
  });
  // The pipeline and the filtered list totals agree.
  for (const [stage, n] of Object.entries(res.body.data)) {
    expect((await t.call('GET', `/v1/leads?stage=${stage}`)).body.meta.total).toBe(n);
  }
});

it('stays exact under concurrent creates and moves', async () => {
  const t = await server.tenant();
  const created = await Promise.all(
    Array.from({ length: 40 }, (_, i) => t.call('POST', '/v1/leads', { name: `Rush ${i}`, pipeline_stage: 'new_lead' })),
  );
  await Promise.all(
    created.slice(0, 15).map((c) => t.call('PATCH', `/v1/leads/${c.body.data.id}`, { pipeline_stage: 'quoted' })),
  );
  const res = await t.call('GET', '/v1/pipeline');
  expect(res.body.data).toMatchObject({ new_lead: 25, quoted: 15 });
  expect((await t.call('GET', '/v1/leads')).body.meta.total).toBe(40);
});
