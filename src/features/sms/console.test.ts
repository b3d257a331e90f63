import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../../test/helpers.js';
import { createCompanies } from '../companies/companies.service.js';
import { createWorkerTasks } from '../../worker/tasks.js';

// "Reply as the customer" in console mode: the loop from the lead's text to the agent's answer
// without Twilio; with Twilio the route does not exist.
let consoleServer: TestServer;
let twilioServer: TestServer;
beforeAll(async () => {
  consoleServer = await startTestServer({ env: { SMS_PROVIDER: 'console' } });
  twilioServer = await startTestServer({ database: consoleServer.database });
});
afterAll(async () => {
  await twilioServer?.close();
  await consoleServer?.close();
});

describe('POST /app/api/console/inbound', () => {
  it("delivers the customer's text, and the agent answers it through the console provider", async () => {
    const user = await consoleServer.user();
    await createCompanies({ db: consoleServer.database.db, clock: consoleServer.clock }).change(user.companyId, { smsCredits: 5 });
    expect((await user.call('GET', '/app/api/console')).body).toEqual({ sms_console: true });
    expect((await user.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const lead = (await user.call('POST', '/v1/leads', { name: 'Console Customer', phone: '0412 345 999', ai_enabled: false })).body.data;
    // The lead's own switch on: its texts are answered from now on (its creation made no turn).
    await user.call('PATCH', `/v1/leads/${lead.id}`, { ai_enabled: true });
    const sent = await user.call('POST', '/app/api/console/inbound', { lead_id: lead.id, text: 'Hi, can you quote a new hot water system?' });
    expect(sent.status).toBe(202);
    const task = createWorkerTasks({ config: consoleServer.config, database: consoleServer.database, clock: consoleServer.clock, log: { warn() {}, info() {} } }).find((t) => t.name === 'agent')!;
    while ((await task.runOnce()) > 0);
    const thread = (await user.call('GET', `/v1/leads/${lead.id}/messages`)).body.data;
    expect(thread.map((m: { direction: string; provider: string }) => [m.direction, m.provider])).toEqual([
      ['inbound', 'twilio'],
      ['outbound', 'console'],
    ]);
    expect(thread[1].sender.type).toBe('agent');

    expect((await user.call('POST', '/app/api/console/inbound', { lead_id: lead.id, text: '' })).status).toBe(400);
  });

  it('does not exist with Twilio', async () => {
    const user = await twilioServer.user();
    expect((await user.call('GET', '/app/api/console')).body).toEqual({ sms_console: false });
    const lead = (await user.call('POST', '/v1/leads', { name: 'Real Customer', phone: '0412 345 998' })).body.data;
    expect((await user.call('POST', '/app/api/console/inbound', { lead_id: lead.id, text: 'Hi' })).status).toBe(404);
  });
});
