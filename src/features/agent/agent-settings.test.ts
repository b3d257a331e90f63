import { loadConfig } from '../../config.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';
import { createAgentSettings } from './agent-settings.service.js';
import { DEFAULT_AGENT_SETTINGS } from './agent-settings.schemas.js';

// GET and PATCH /v1/agent (issue 14): the lead agent's settings, through HTTP on the real database.
let server: TestServer;
let withModel: TestServer;
beforeAll(async () => {
  server = await startTestServer();
  withModel = await startTestServer({ database: server.database, env: { AI_BASE_URL: 'http://127.0.0.1:9/v1', AI_MODEL: 'test' } });
});
afterAll(async () => {
  await withModel?.close();
  await server?.close();
});

describe('/v1/agent', () => {
  it('answers the defaults before the first change: off, rules, Mon–Fri 08:00–17:00, a five-question script', async () => {
    const t = await server.tenant();
    const res = await t.call('GET', '/v1/agent');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ ...DEFAULT_AGENT_SETTINGS, llm_available: false, updated_at: null });
    expect(res.body.data.rules.questions.map((q: { key: string }) => q.key)).toEqual(['postcode', 'job', 'timeframe', 'property_type', 'owner']);
    expect(res.body.data.business_hours).toMatchObject({ mon: [['08:00', '17:00']], fri: [['08:00', '17:00']], sat: [], sun: [] });
    expect(res.body.data).toMatchObject({ enabled: false, engine: 'rules', max_agent_messages_per_lead: 20, slot_minutes: { callback: 15, onsite: 60 } });
  });

  it('changes the fields sent, merges days and slot types, and the agent reads the same through get()', async () => {
    const t = await server.tenant();
    const rules = {
      questions: [
        { key: 'postcode', ask: 'Postcode?', kind: 'postcode' },
        { key: 'roof', ask: 'Tile or metal?', kind: 'choice', choices: ['tile', 'metal'] },
        { key: 'storeys', ask: 'How many storeys?', kind: 'number' },
      ],
      weights: { postcode: 50, roof: 10 },
    };
    const res = await t.call('PATCH', '/v1/agent', {
      enabled: true,
      instructions: '  We fix roofs in Sydney. Callouts from $120.  ',
      goals: ['onsite', 'quote', 'onsite'],
      rules,
      service_postcodes: ['2000-2234', ' 2560 ', '2560'],
      handoff_keywords: ['Lawyer', 'lawyer', 'refund'],
      business_hours: { sat: [['12:00', '14:00'], ['09:00', '11:00']], mon: [] },
      slot_minutes: { onsite: 90 },
      min_notice_minutes: 120,
      days_ahead: 14,
      closed_dates: ['2026-12-26', '2026-12-25', '2026-12-26'],
      max_agent_messages_per_lead: 8,
      company_id: 'ignored',
    });
    expect(res.status).toBe(200);
    const expected = {
      enabled: true,
      engine: 'rules',
      instructions: 'We fix roofs in Sydney. Callouts from $120.',
      goals: ['onsite', 'quote'],
      rules,
      service_postcodes: ['2000-2234', '2560'],
      handoff_keywords: ['Lawyer', 'refund'],
      business_hours: { ...DEFAULT_AGENT_SETTINGS.business_hours, mon: [], sat: [['09:00', '11:00'], ['12:00', '14:00']] },
      slot_minutes: { callback: 15, onsite: 90 },
      min_notice_minutes: 120,
      days_ahead: 14,
      closed_dates: ['2026-12-25', '2026-12-26'],
      max_agent_messages_per_lead: 8,
    };
    expect(res.body.data).toEqual({ ...expected, llm_available: false, updated_at: expect.any(String) });
    expect((await t.call('GET', '/v1/agent')).body.data).toEqual(res.body.data);
    const service = createAgentSettings({ db: server.database.db, clock: server.clock, config: server.config });
    expect(await service.get(t.companyId)).toEqual(expected);

    // A later change keeps the rest; rules without weights weigh nothing.
    const again = await t.call('PATCH', '/v1/agent', { rules: { questions: [{ key: 'job', ask: 'What job?', kind: 'text' }] } });
    expect(again.body.data).toMatchObject({ enabled: true, days_ahead: 14, rules: { questions: [{ key: 'job', ask: 'What job?', kind: 'text' }], weights: {} } });

    // Another company still reads the defaults.
    const other = await server.tenant();
    expect((await other.call('GET', '/v1/agent')).body.data.enabled).toBe(false);
    expect(await service.get(other.companyId)).toEqual(DEFAULT_AGENT_SETTINGS);
  });

  const question = (extra: object) => ({ questions: [{ key: 'q', ask: 'Ask?', kind: 'text', ...extra }] });
  it.each([
    [{ enabled: 'yes' }, 'enabled', "'enabled' must be true or false"],
    [{ engine: 'gpt' }, 'engine', "'engine' must be rules or llm"],
    [{ instructions: 'x'.repeat(4001) }, 'instructions', "'instructions' must be at most 4000 characters"],
    [{ goals: ['callback', 'lunch'] }, 'goals', "'goals' must list goals among: callback, onsite, quote"],
    [{ rules: { questions: [] } }, 'rules', "'rules' must have at least 1 question"],
    [{ rules: question({ kind: 'colour' }) }, 'rules', "'rules' must have kinds among: postcode, timeframe, yes_no, choice, number, text"],
    [{ rules: question({ kind: 'choice' }) }, 'rules', "'rules' must give choices to the choice question 'q'"],
    [{ rules: question({ choices: ['a', 'b'] }) }, 'rules', "'rules' must give choices only to choice questions ('q' is text)"],
    [{ rules: question({ kind: 'choice', choices: ['only'] }) }, 'rules', "'rules' must give at least 2 choices to a choice question"],
    [{ rules: question({ key: 'Bad Key' }) }, 'rules', "'rules' must have keys of lower-case letters, digits and _ (up to 40), starting with a letter"],
    [{ rules: { questions: [{ key: 'a', ask: 'A?', kind: 'text' }, { key: 'a', ask: 'B?', kind: 'text' }] } }, 'rules', "'rules' must not repeat the question key 'a'"],
    [{ rules: { ...question({}), weights: { nope: 5 } } }, 'rules', "'rules' must weigh only keys of its questions ('nope' is none)"],
    [{ rules: { ...question({}), weights: { q: 101 } } }, 'rules', "'rules' must have weights from 0 to 100"],
    [{ rules: 'ask them things' }, 'rules', `'rules' must be {"questions": [...], "weights": {...}}`],
    [{ service_postcodes: ['2234-2000'] }, 'service_postcodes', `'service_postcodes' must list postcodes ("2560") or ranges of one length, low to high ("2000-2234")`],
    [{ service_postcodes: ['20a0'] }, 'service_postcodes', `'service_postcodes' must list postcodes ("2560") or ranges of one length, low to high ("2000-2234")`],
    [{ service_postcodes: ['200-2234'] }, 'service_postcodes', `'service_postcodes' must list postcodes ("2560") or ranges of one length, low to high ("2000-2234")`],
    [{ max_agent_messages_per_lead: 0 }, 'max_agent_messages_per_lead', "'max_agent_messages_per_lead' must be from 1 to 200"],
    [{ max_agent_messages_per_lead: 2.5 }, 'max_agent_messages_per_lead', "'max_agent_messages_per_lead' must be a whole number"],
    [{ handoff_keywords: ['ok', ''] }, 'handoff_keywords', "'handoff_keywords' must not hold an empty keyword"],
    [{ business_hours: { mon: [['17:00', '08:00']] } }, 'business_hours', "'business_hours' must give each span an end after its start"],
    [{ business_hours: { mon: [['08:00', '12:00'], ['11:00', '17:00']] } }, 'business_hours', "'business_hours' must not overlap the spans of one day"],
    [{ business_hours: { tue: [['8am', '5pm']] } }, 'business_hours', "'business_hours' must be a time of day as HH:MM (00:00 to 23:59)"],
    [{ business_hours: { wed: ['08:00-17:00'] } }, 'business_hours', `'business_hours' must give each span as ["HH:MM", "HH:MM"]`],
    [{ slot_minutes: { callback: 2 } }, 'slot_minutes', "'slot_minutes' must be from 5 to 480 minutes"],
    [{ min_notice_minutes: -1 }, 'min_notice_minutes', "'min_notice_minutes' must be from 0 to 10080 minutes"],
    [{ days_ahead: 61 }, 'days_ahead', "'days_ahead' must be from 1 to 60 days"],
    [{ closed_dates: ['2026-02-30'] }, 'closed_dates', "'closed_dates' must be a list of dates (YYYY-MM-DD)"],
    [{ closed_dates: '2026-12-25' }, 'closed_dates', "'closed_dates' must be a list of dates (YYYY-MM-DD)"],
  ])('refuses %j with a 400 naming the field, and changes nothing', async (body, field, message) => {
    const t = await server.tenant();
    const res = await t.call('PATCH', '/v1/agent', body);
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ error: message, code: 'validation_failed' });
    expect(res.body.details[0].field).toBe(field);
    expect((await t.call('GET', '/v1/agent')).body.data.updated_at).toBeNull();
  });

  it('refuses a body with no setting in it', async () => {
    const t = await server.tenant();
    const res = await t.call('PATCH', '/v1/agent', { company_id: t.companyId });
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('No valid fields to update');
  });

  it('a platform with AI_BASE_URL must name its model (AI_MODEL): the process does not start otherwise', () => {
    expect(() => loadConfig({}, { AI_BASE_URL: 'http://127.0.0.1:9/v1' })).toThrow(/AI_MODEL: is required with AI_BASE_URL/);
    expect(loadConfig({}, { AI_BASE_URL: 'http://127.0.0.1:9/v1', AI_MODEL: 'llama3' }).aiModel).toBe('llama3');
  });

  it('takes the llm engine only when the platform has a model (AI_BASE_URL)', async () => {
    const t = await server.tenant();
    const refused = await t.call('PATCH', '/v1/agent', { engine: 'llm', enabled: true });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toBe("'engine' must be rules: the llm engine needs a model configured for the platform (AI_BASE_URL)");
    expect(refused.body.details).toEqual([{ field: 'engine', message: expect.stringMatching(/^must be rules/) }]);
    expect((await t.call('GET', '/v1/agent')).body.data).toMatchObject({ engine: 'rules', enabled: false });

    const res = await withModel.fetch('PATCH', '/v1/agent', { body: { engine: 'llm' }, headers: { authorization: `Bearer ${t.token}` } });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ engine: 'llm', llm_available: true });
  });

  it('two changes at once to different fields both hold', async () => {
    const t = await server.tenant();
    const [a, b] = await Promise.all([t.call('PATCH', '/v1/agent', { days_ahead: 21 }), t.call('PATCH', '/v1/agent', { instructions: 'Both stay' })]);
    expect([a.status, b.status]).toEqual([200, 200]);
    expect((await t.call('GET', '/v1/agent')).body.data).toMatchObject({ days_ahead: 21, instructions: 'Both stay' });
  });

  it('is for owners and admins on the dashboard', async () => {
    const t = await server.tenant();
    const admin = await server.user({ role: 'admin', companyId: t.companyId });
    expect((await admin.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const member = await server.user({ role: 'member', companyId: t.companyId });
    expect((await member.call('GET', '/v1/agent')).body.error).toBe('Insufficient scope: agent:manage required');
  });
});
