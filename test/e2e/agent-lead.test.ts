import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createCompanies } from '../../src/features/companies/companies.service.js';
import { createWorkerTasks } from '../../src/worker/tasks.js';
import { startTestServer, type DashboardUser, type TestServer } from '../helpers.js';
import { checkPage, expectNoHorizontalScroll, launchBrowser, sessionContext, type TestBrowser } from './browser.js';

// The lead agent in the dashboard, in a real browser at a phone's width (375 px): the Agent page's
// "Try it" console holds a conversation and stores nothing; on a lead's page the Agent panel's Take
// over / Hand back change what GET /v1/leads/:id says, for a member too; in console mode "Reply as the
// customer" delivers a text, the worker's agent task answers it, and the answer arrives in the
// conversation marked as the agent's, with what it gathered in the panel. Each page is checked with
// axe, photographed, and has no horizontal scroll.

const PHONE = { width: 375, height: 812 };
const silent = { warn() {}, info() {} };

describe('the lead agent in a browser, at 375 px', () => {
  // SMS_PROVIDER=console: the agent's texts are accepted and logged, and "Reply as the customer" exists.
  let server: TestServer;
  // The same database without the console provider: no "Reply as the customer".
  let twilioServer: TestServer;
  let chrome: TestBrowser;
  let owner: DashboardUser;
  let context: BrowserContext;
  let page: Page;

  const heading = (p: Page, name: string) => p.getByRole('heading', { level: 1, name }).waitFor();
  const signedIn = (user: DashboardUser, url = server.url) => sessionContext(chrome, user, url, PHONE);
  const leadOf = async (user: DashboardUser, id: string) => (await user.call('GET', `/v1/leads/${id}`)).body.data;
  /** The worker's agent task, run until no turn is left: what the background worker does seconds later. */
  async function runAgentTurns() {
    const task = createWorkerTasks({ config: server.config, database: server.database, clock: server.clock, log: silent }).find((t) => t.name === 'agent')!;
    while ((await task.runOnce()) > 0);
  }

  beforeAll(async () => {
    server = await startTestServer({ env: { SMS_PROVIDER: 'console' } });
    twilioServer = await startTestServer({ database: server.database });
    chrome = await launchBrowser();
    owner = await server.user({ role: 'owner' });
    context = await signedIn(owner);
    page = await context.newPage();
  }, 120_000);
  afterAll(async () => {
    await chrome?.close();
    await twilioServer?.close();
    await server?.close();
  });

  it("holds a conversation in the Agent page's Try it console, and stores nothing", async () => {
    await page.goto(`${server.url}/app/agent`);
    await heading(page, 'Agent');
    const console_ = page.getByRole('region', { name: 'Try it' });
    await console_.getByText('Nothing is sent, booked or stored').waitFor();

    await console_.getByLabel('The customer texts').fill('Hi, I need a roof quote');
    await console_.getByRole('button', { name: 'Send' }).click();
    const replies = console_.getByTestId('try-reply');
    await replies.first().getByText(/postcode/i).waitFor();
    const actions = console_.getByTestId('try-action');
    expect(await actions.filter({ hasText: 'send_reply' }).filter({ hasText: 'ok' }).count()).toBe(1);

    // The returned state carries the conversation on: the postcode is taken and the next question asked.
    const sent = page.waitForRequest((r) => r.url().endsWith('/v1/agent/try'));
    await console_.getByLabel('The customer answers').fill('2150');
    await console_.getByRole('button', { name: 'Send' }).click();
    const body = (await sent).postDataJSON();
    expect(body.text).toBe('2150');
    expect(body.state.thread.map((m: { direction: string }) => m.direction)).toEqual(['inbound', 'outbound']);
    await expect.poll(() => replies.count()).toBe(2);
    const second = (await replies.nth(1).textContent()) ?? '';
    expect(second).not.toMatch(/postcode/i);
    expect(second).toMatch(/What do you need done\?|When would you like it done\?/);
    await checkPage(page, '40-agent-try');
    await expectNoHorizontalScroll(page);

    // Nothing stored: no lead, no message, no turn.
    expect((await owner.call('GET', '/v1/leads')).body.meta.total).toBe(0);
    expect((await owner.call('GET', '/v1/agent/usage')).body.data).toEqual([]);

    await console_.getByRole('button', { name: 'Start over' }).click();
    expect(await replies.count()).toBe(0);
    await console_.getByLabel('The customer texts').waitFor();
  });

  it('takes over and hands back from the lead page, for an owner and for a member', async () => {
    const lead = (await owner.call('POST', '/v1/leads', { name: 'Tess Takeover', phone: '0412 555 501' })).body.data;
    await page.goto(`${server.url}/app/leads/${lead.id}`);
    await heading(page, 'Tess Takeover');
    const panel = page.getByRole('region', { name: 'Agent' });
    await panel.getByTestId('agent-state').getByText('Active').waitFor();
    await panel.getByText('Nothing yet.').waitFor();

    await panel.getByRole('button', { name: 'Take over' }).click();
    await panel.getByRole('button', { name: 'Hand back' }).waitFor();
    await panel.getByTestId('agent-state').getByText('Paused').waitFor();
    await panel.getByText('Taken over by Test User').waitFor();
    expect(await leadOf(owner, lead.id)).toMatchObject({ agent_paused: true, agent_paused_reason: 'Taken over by Test User' });
    await checkPage(page, '41-lead-agent-paused');
    await expectNoHorizontalScroll(page);

    await panel.getByRole('button', { name: 'Hand back' }).click();
    await panel.getByRole('button', { name: 'Take over' }).waitFor();
    expect(await leadOf(owner, lead.id)).toMatchObject({ agent_paused: false, agent_paused_reason: null });

    // A member has no Agent page, but has the switch on every lead.
    const member = await server.user({ role: 'member', companyId: owner.companyId });
    const memberCtx = await signedIn(member);
    const memberPage = await memberCtx.newPage();
    await memberPage.goto(`${server.url}/app/leads/${lead.id}`);
    await heading(memberPage, 'Tess Takeover');
    const memberPanel = memberPage.getByRole('region', { name: 'Agent' });
    await memberPanel.getByRole('button', { name: 'Take over' }).click();
    await memberPanel.getByRole('button', { name: 'Hand back' }).waitFor();
    expect(await leadOf(owner, lead.id)).toMatchObject({ agent_paused: true });
    await memberPanel.getByRole('button', { name: 'Hand back' }).click();
    await memberPanel.getByRole('button', { name: 'Take over' }).waitFor();
    expect(await leadOf(owner, lead.id)).toMatchObject({ agent_paused: false });
    await memberCtx.close();
  });

  it('replies as the customer in console mode, and shows the agent answering in the conversation', async () => {
    // A company of its own, with the agent on and credits for its texts.
    const boss = await server.user({ role: 'owner' });
    await createCompanies({ db: server.database.db, clock: server.clock }).change(boss.companyId, { smsCredits: 10 });
    expect((await boss.call('PATCH', '/v1/agent', { enabled: true })).status).toBe(200);
    const lead = (await boss.call('POST', '/v1/leads', { name: 'Casey Console', phone: '0412 555 502', ai_enabled: false })).body.data;
    // The lead's own switch on after its creation: no greeting, its texts are answered from now on.
    await boss.call('PATCH', `/v1/leads/${lead.id}`, { ai_enabled: true });

    const ctx = await signedIn(boss);
    const p = await ctx.newPage();
    await p.goto(`${server.url}/app/leads/${lead.id}`);
    await heading(p, 'Casey Console');
    const box = p.getByRole('region', { name: 'Reply as the customer' });
    const thread = p.getByRole('list', { name: 'Messages, oldest first' });

    await box.getByLabel('The customer’s text').fill('Hi, I need a roof quote');
    await box.getByRole('button', { name: 'Send as the customer' }).click();
    await thread.locator('[data-sender-type="lead"]').getByText('Hi, I need a roof quote').waitFor();
    await p.getByRole('status').getByText('Waiting for the agent’s answer…').waitFor();

    await runAgentTurns();
    const fromAgent = thread.locator('.crm-msg-agent[data-sender-type="agent"]');
    await fromAgent.first().getByText(/postcode/i).waitFor({ timeout: 10_000 });
    await fromAgent.first().getByTestId('message-sender').getByText('Agent', { exact: true }).waitFor();
    const api = (await boss.call('GET', `/v1/leads/${lead.id}/messages`)).body.data;
    expect(api.map((m: { direction: string; sender: { type: string } }) => [m.direction, m.sender.type])).toEqual([
      ['inbound', 'lead'],
      ['outbound', 'agent'],
    ]);

    // The answer to the agent's question: what it gathered shows in the panel.
    await box.getByLabel('The customer’s text').fill('2150');
    await box.getByRole('button', { name: 'Send as the customer' }).click();
    await thread.locator('[data-sender-type="lead"]', { hasText: '2150' }).waitFor();
    await runAgentTurns();
    await expect.poll(() => fromAgent.count(), { timeout: 10_000 }).toBe(2);
    const answers = p.getByRole('region', { name: 'Agent' }).getByTestId('agent-answers');
    await answers.getByText('2150').waitFor({ timeout: 10_000 });
    expect((await leadOf(boss, lead.id)).qualification.answers).toMatchObject({ postcode: '2150' });
    // Once the answer is in, the page stops reading the thread every second.
    await p.getByText('Waiting for the agent’s answer…').waitFor({ state: 'detached', timeout: 10_000 });

    // (d) The whole lead page on a phone: the panel, the thread and the box fit 375 px.
    await checkPage(p, '42-lead-agent-console');
    await expectNoHorizontalScroll(p);
    await ctx.close();

    // Without the console provider the box is not there (and its route answers 404).
    const real = await signedIn(boss, twilioServer.url);
    const realPage = await real.newPage();
    await realPage.goto(`${twilioServer.url}/app/leads/${lead.id}`);
    await heading(realPage, 'Casey Console');
    await realPage.getByRole('region', { name: 'Agent' }).waitFor();
    await realPage.getByRole('list', { name: 'Messages, oldest first' }).waitFor();
    expect(await realPage.getByRole('region', { name: 'Reply as the customer' }).count()).toBe(0);
    await expectNoHorizontalScroll(realPage);
    await real.close();
  });
});
