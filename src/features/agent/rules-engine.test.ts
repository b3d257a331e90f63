import { describe, expect, it } from 'vitest';
import { countSegments } from '../../lib/sms-segments.js';
import { fitSms, handoffKeyword, inServiceArea, readPick, readRulesState, runRulesTurn, scoreAnswers, type RulesState } from './rules-engine.js';
import { DEFAULT_AGENT_SETTINGS } from './agent-settings.schemas.js';
import type { Slot } from './slots.js';
import type { ScriptQuestion, ToolCall, ToolResult, TurnContext } from './tools.js';

const SYDNEY = 'Australia/Sydney';
// Tue 8 Dec 2026, 08:30 in Sydney (AEDT, +11).
const NOW = new Date('2026-12-08T08:30:00+11:00');
const at = (local: string) => new Date(`${local}+11:00`);
const slot = (local: string, minutes = 60): Slot => ({ start: at(local), end: new Date(at(local).getTime() + minutes * 60_000) });

const SCRIPT: ScriptQuestion[] = [
  { key: 'postcode', ask: "What's the postcode of the property?", kind: 'postcode' },
  { key: 'job', ask: 'What do you need done?', kind: 'text' },
  { key: 'timeframe', ask: 'When would you like it done?', kind: 'timeframe' },
  { key: 'property_type', ask: 'Is it a house, a unit or a commercial property?', kind: 'choice', choices: ['house', 'unit', 'commercial'] },
  { key: 'owner', ask: 'Do you own the property?', kind: 'yes_no' },
];
const WEIGHTS = { postcode: 30, timeframe: 30, owner: 20, job: 10, property_type: 10 };
const ONSITE = [slot('2026-12-08T10:00:00'), slot('2026-12-08T11:00:00'), slot('2026-12-08T14:30:00'), slot('2026-12-09T09:00:00'), slot('2026-12-09T10:00:00')];
const CALLBACK = [slot('2026-12-08T09:45:00', 15), slot('2026-12-08T13:00:00', 15)];

type Over = { company?: Partial<TurnContext['company']>; settings?: Partial<TurnContext['settings']>; lead?: Partial<TurnContext['lead']>; freeSlots?: Partial<TurnContext['freeSlots']> };

function context(over: Over = {}): TurnContext {
  return {
    company: { name: 'Acme Roofing', timezone: SYDNEY, phone: '+61290000000', ...over.company },
    settings: {
      instructions: '',
      goals: ['callback', 'onsite'],
      questions: SCRIPT,
      weights: WEIGHTS,
      servicePostcodes: ['2000-2234', '2560'],
      handoffKeywords: ['insurance'],
      ...over.settings,
    },
    lead: { id: 'lead_1', name: 'Sam Lee', firstName: 'Sam', phone: '+61412345678', postcode: null, serviceType: null, notes: null, qualification: {}, ...over.lead },
    thread: [],
    inbound: [],
    freeSlots: { onsite: ONSITE, callback: CALLBACK, ...over.freeSlots },
    priceBook: [],
    now: NOW,
  };
}

/**
 * A lead's conversation, turn after turn, with a recording fake ToolRunner; the qualification goes
 * through JSON between turns as it does through the database. `refuseBookings` refuses that many
 * bookings (the slot was taken meanwhile).
 */
function conversation(over: Over = {}, options: { refuseBookings?: number; refuseReplies?: boolean } = {}) {
  const base = context(over);
  let qualification: Record<string, unknown> = base.lead.qualification;
  let refusals = options.refuseBookings ?? 0;
  const all: ToolCall[] = [];
  const replies: string[] = [];
  return {
    all,
    replies,
    get state(): RulesState {
      return readRulesState(qualification);
    },
    async turn(...inbound: string[]) {
      const calls: ToolCall[] = [];
      const run = async (call: ToolCall): Promise<ToolResult> => {
        calls.push(call);
        all.push(call);
        if (call.tool === 'send_reply') {
          replies.push(call.args.text);
          if (options.refuseReplies) return { ok: false, error: 'the lead has opted out' };
        }
        if (call.tool === 'book_appointment' && refusals > 0) {
          refusals--;
          return { ok: false, error: 'that time is not free' };
        }
        return { ok: true, result: 'done' };
      };
      const result = await runRulesTurn({ ...base, lead: { ...base.lead, qualification }, inbound }, run);
      qualification = JSON.parse(JSON.stringify(result.qualification)) as Record<string, unknown>;
      const texts = calls.flatMap((c) => (c.tool === 'send_reply' ? [c.args.text] : []));
      expect(texts.length, 'one reply a turn at most').toBeLessThanOrEqual(1);
      return { outcome: result.outcome, calls, texts, tools: calls.map((c) => c.tool) };
    },
  };
}

const OFFER = 'Reply 1 for Tue 10:00, 2 for Tue 14:30 or 3 for Wed 09:00';

describe('runRulesTurn: the whole conversation', () => {
  it('greets, asks the script in order, scores, offers slots and books the one chosen', async () => {
    const c = conversation();
    expect((await c.turn()).texts).toEqual(["Hi Sam, thanks for contacting Acme Roofing. What's the postcode of the property?"]);
    expect(c.state).toMatchObject({ stage: 'asking', pending: 'postcode' });
    expect((await c.turn('2150')).texts).toEqual(['Thanks. What do you need done?']);
    expect((await c.turn('Roof is leaking over the kitchen')).texts).toEqual(['Thanks. When would you like it done?']);
    expect((await c.turn('next week')).texts).toEqual(['Thanks. Is it a house, a unit or a commercial property?']);
    expect((await c.turn('house')).texts).toEqual(['Thanks. Do you own the property?']);

    const scored = await c.turn('yep');
    expect(scored.tools).toEqual(['set_score', 'send_reply']);
    expect(scored.calls[0]).toEqual({
      tool: 'set_score',
      args: {
        score: 85,
        status: 'hot',
        reason: 'Counted: Postcode 2150 in the area +30, Job given +10, Timeframe next week +15, Property type house +10, Owner yes +20.',
        summary: 'Postcode: 2150; Job: Roof is leaking over the kitchen; Timeframe: next week; Property type: house; Owner: yes',
      },
    });
    expect(scored.texts).toEqual([`Thanks, that's everything I need. When suits for a visit? ${OFFER}`]);
    expect(c.state.offered).toEqual([
      { n: 1, type: 'onsite', start: '2026-12-07T23:00:00.000Z' },
      { n: 2, type: 'onsite', start: '2026-12-08T03:30:00.000Z' },
      { n: 3, type: 'onsite', start: '2026-12-08T22:00:00.000Z' },
    ]);

    const booked = await c.turn('2 please');
    expect(booked.calls).toEqual([
      { tool: 'book_appointment', args: { type: 'onsite', start_time: '2026-12-08T03:30:00.000Z' } },
      { tool: 'send_reply', args: { text: "You're booked in for a visit on Tue 8 Dec at 14:30. Thanks Sam, Acme Roofing will see you then." } },
    ]);
    expect(booked.outcome).toBe('done');
    expect(c.state).toMatchObject({
      stage: 'booked',
      booked: { type: 'onsite', start: '2026-12-08T03:30:00.000Z' },
      answers: { postcode: '2150', job: 'Roof is leaking over the kitchen', timeframe: 'next_week', property_type: 'house', owner: true },
      score: { score: 85, status: 'hot' },
    });
  });

  it('runs the default script of a new company, weights and all', async () => {
    const d = DEFAULT_AGENT_SETTINGS;
    const c = conversation({ settings: { goals: d.goals, questions: d.rules.questions, weights: d.rules.weights, servicePostcodes: d.service_postcodes, handoffKeywords: d.handoff_keywords } });
    expect((await c.turn()).texts).toEqual(["Hi Sam, thanks for contacting Acme Roofing. What's the postcode where the job is?"]);
    expect((await c.turn('hey its 2756')).texts).toEqual(['Thanks. What do you need done?']);
    expect((await c.turn('Solar panels cleaned and checked, about 20 panels')).texts).toEqual(['Thanks. When would you like it done? (e.g. ASAP, next week, in a couple of months)']);
    expect((await c.turn('in a couple of months')).texts).toEqual(['Thanks. Is it a house, a unit or a commercial property?']);
    expect((await c.turn('townhouse')).texts).toEqual(["Sorry, I didn't catch that. Is it a house, a unit or a commercial property? Reply 1 for house, 2 for unit or 3 for commercial"]);
    await c.turn('1');
    const scored = await c.turn('nah renting');
    expect(scored.calls[0]).toMatchObject({ tool: 'set_score', args: { score: 50, status: 'warm' } });
    expect(scored.texts[0]).toContain(OFFER);
  });

  it('shows the offered times in the company’s timezone', async () => {
    const c = conversation({ company: { timezone: 'Australia/Perth' }, settings: { questions: [SCRIPT[0]] } });
    await c.turn();
    expect((await c.turn('2150')).texts[0]).toContain('Reply 1 for Tue 07:00, 2 for Tue 11:30 or 3 for Wed 06:00');
  });

  it('offers callbacks when onsite is not a goal, and confirms a call', async () => {
    const c = conversation({ settings: { goals: ['callback'], questions: [SCRIPT[0]] } });
    await c.turn();
    expect((await c.turn('2000')).texts).toEqual(["Thanks, that's everything I need. When suits for a call back? Reply 1 for Tue 09:45 or 2 for Tue 13:00"]);
    expect((await c.turn('the first one')).texts).toEqual(["You're booked in for a call back on Tue 8 Dec at 09:45. Thanks Sam, Acme Roofing will call you then."]);
  });

  it('greets without a name, and a lead who texted first gets one greeting for all its texts', async () => {
    const c = conversation({ lead: { firstName: null } });
    const first = await c.turn('Hi', 'need a roof quote');
    expect(first.calls).toEqual([{ tool: 'send_reply', args: { text: "Hi, thanks for contacting Acme Roofing. What's the postcode of the property?" } }]);
  });

  it('does not ask what the lead has already said: the lead’s postcode, a postcode and timeframe in the first texts', async () => {
    const known = conversation({ lead: { postcode: '2150' } });
    expect((await known.turn()).texts).toEqual(['Hi Sam, thanks for contacting Acme Roofing. What do you need done?']);
    const told = conversation();
    expect((await told.turn('Hi', 'roof leak at 2560, need it fixed asap')).texts).toEqual(['Hi Sam, thanks for contacting Acme Roofing. What do you need done?']);
    expect(told.state.answers).toEqual({ postcode: '2560', timeframe: 'asap' });
    expect((await told.turn('fix the leak')).texts).toEqual(['Thanks. Is it a house, a unit or a commercial property?']);
  });

  it('greets no second time a thread that already has an outbound text', async () => {
    const c = conversation();
    const base = context();
    const calls: ToolCall[] = [];
    await runRulesTurn({ ...base, thread: [{ direction: 'outbound', body: 'Hi Sam', at: NOW, sender: 'user' }], inbound: ['hello?'] }, async (call) => {
      calls.push(call);
      return { ok: true, result: 'ok' };
    });
    expect(calls).toEqual([{ tool: 'send_reply', args: { text: "Thanks. What's the postcode of the property?" } }]);
    expect(c.all).toEqual([]);
  });
});

describe('runRulesTurn: answers not understood', () => {
  it('re-asks once, rephrased with examples of the kind', async () => {
    const c = conversation();
    await c.turn();
    expect((await c.turn('dunno, the one near the beach')).texts).toEqual(["Sorry, I didn't catch that. What's the postcode of the property? Just the 4 digits, e.g. 2150"]);
    expect(c.state).toMatchObject({ reasked: ['postcode'], answers: {} }); // "dunno" is not a timeframe here
    expect((await c.turn('its 2150')).texts).toEqual(['Thanks. What do you need done?']);
    await c.turn('gutters');
    expect((await c.turn('when it stops raining')).texts).toEqual([
      "Sorry, I didn't catch that. Roughly when would you like the work done? e.g. ASAP, next week, in a couple of months",
    ]);
  });

  it('re-asks a choice with its numbers and a yes/no as yes or no, and takes the number', async () => {
    const c = conversation({ lead: { postcode: '2150' }, settings: { questions: SCRIPT.filter((q) => q.kind !== 'text') } });
    await c.turn();
    await c.turn('asap');
    expect((await c.turn('a big one')).texts).toEqual(["Sorry, I didn't catch that. Is it a house, a unit or a commercial property? Reply 1 for house, 2 for unit or 3 for commercial"]);
    expect((await c.turn('3')).texts).toEqual(['Thanks. Do you own the property?']);
    expect((await c.turn('the bank does really')).texts).toEqual(["Sorry, I didn't catch that. Please reply yes or no: Do you own the property?"]);
    expect(c.state.answers.property_type).toBe('commercial');
  });

  it('twice not understood: keeps the raw text, moves on, and the answer counts nothing', async () => {
    const c = conversation();
    await c.turn();
    await c.turn('near the beach');
    const moved = await c.turn('the one by the surf club');
    expect(moved.texts).toEqual(["Thanks, I'll pass that on. What do you need done?"]);
    expect(c.state.unclear).toEqual({ postcode: 'the one by the surf club' });
    expect(c.state.answers).toEqual({});
    await c.turn('new roof');
    await c.turn('asap');
    await c.turn('house');
    const scored = await c.turn('yes');
    expect(scored.calls[0]).toMatchObject({ tool: 'set_score', args: { score: 70, status: 'warm' } });
    expect((scored.calls[0].args as { summary: string }).summary).toContain('Postcode: "the one by the surf club" (not understood)');
  });

  it('several inbound texts in one turn get one reply: any of them may answer', async () => {
    const c = conversation();
    await c.turn();
    const turn = await c.turn('Hi', 'sorry was driving', 'postcode is 2150');
    expect(turn.calls).toEqual([{ tool: 'send_reply', args: { text: 'Thanks. What do you need done?' } }]);
    // Two texts that each fail are one miss, not two.
    const again = await c.turn('asdf');
    expect(again.texts).toEqual(['Thanks. When would you like it done?']);
    const two = await c.turn('hmm', 'let me think');
    expect(two.texts).toHaveLength(1);
    expect(c.state.reasked).toEqual(['timeframe']);
    expect(c.state.unclear).toEqual({});
  });

  it('the latest of several answers wins: "2150", then "sorry, I meant 2151"', async () => {
    const c = conversation();
    await c.turn();
    await c.turn('2150', 'sorry I meant 2151');
    expect(c.state.answers.postcode).toBe('2151');
  });

  it('a script that lost its questions under a conversation goes on to the offer', async () => {
    const c = conversation();
    await c.turn();
    const changed = conversation({ settings: { questions: [] }, lead: { qualification: c.state as Record<string, unknown> } });
    const turn = await changed.turn('hello');
    expect(turn.tools).toEqual(['set_score', 'send_reply']);
    expect(turn.texts).toEqual([`Thanks, that's everything I need. When suits for a visit? ${OFFER}`]);
  });

  it('a text answer takes every text of the turn', async () => {
    const c = conversation({ lead: { postcode: '2150' } });
    await c.turn();
    expect((await c.turn('Hi', 'need a roof quote')).texts).toEqual(['Thanks. When would you like it done?']);
    expect(c.state.answers.job).toBe('Hi need a roof quote');
  });
});

describe('runRulesTurn: hand-offs', () => {
  it.each([['can I speak to someone please'], ['Just CALL ME'], ['I want a human'], ['This is a complaint'], ['is this covered by Insurance?']])(
    '"%s" hands off with a short reply, and the engine says nothing more',
    async (text) => {
      const c = conversation();
      await c.turn();
      const turn = await c.turn(text);
      expect(turn.outcome).toBe('handed_off');
      expect(turn.calls).toEqual([
        { tool: 'send_reply', args: { text: 'Thanks Sam, someone from Acme Roofing will be in touch shortly.' } },
        { tool: 'hand_off', args: { reason: `The lead asked for a person: "${text}"` } },
      ]);
      expect(c.state.stage).toBe('handed_off');
      expect((await c.turn('hello?')).calls).toEqual([]);
    },
  );

  it('finds keywords as words, not inside others', () => {
    expect(handoffKeyword('humane society', [])).toBeUndefined();
    expect(handoffKeyword('Speak   to someone', [])).toBe('speak to someone');
    expect(handoffKeyword('my INSURANCE claim', ['Insurance'])).toBe('Insurance');
  });

  it('out of the service area: a polite reply, score 0 cold, hand-off, no more questions', async () => {
    const c = conversation();
    await c.turn();
    const turn = await c.turn('3000');
    expect(turn.outcome).toBe('handed_off');
    expect(turn.calls).toEqual([
      { tool: 'set_score', args: { score: 0, status: 'cold', reason: 'Postcode 3000 is outside the service area.', summary: 'Postcode: 3000; Job: not asked; Timeframe: not asked; Property type: not asked; Owner: not asked' } },
      {
        tool: 'send_reply',
        args: { text: "Thanks Sam. Unfortunately 3000 is outside the area Acme Roofing services, so we can't book you in, but someone from the team will let you know if they can help." },
      },
      { tool: 'hand_off', args: { reason: 'Postcode 3000 is outside the service area' } },
    ]);
  });

  it('a form lead whose postcode is out of the area is greeted and told at once', async () => {
    const c = conversation({ lead: { postcode: '2999' } });
    const turn = await c.turn();
    expect(turn.tools).toEqual(['set_score', 'send_reply', 'hand_off']);
    expect(turn.texts).toEqual([
      "Hi Sam, thanks for contacting Acme Roofing. Unfortunately 2999 is outside the area Acme Roofing services, so we can't book you in, but someone from the team will let you know if they can help.",
    ]);
  });

  it('no free slot: hands off with a reply that someone will find a time', async () => {
    const c = conversation({ settings: { questions: [SCRIPT[0]] }, freeSlots: { onsite: [], callback: [] } });
    await c.turn();
    const turn = await c.turn('2150');
    expect(turn.tools).toEqual(['set_score', 'send_reply', 'hand_off']);
    expect(turn.texts).toEqual(["Thanks, that's everything I need. Someone from Acme Roofing will be in touch shortly to find a time that suits."]);
    expect(c.state).toMatchObject({ stage: 'handed_off', handoff_reason: 'No free slot to offer' });
  });

  it('no onsite slot but callbacks are a goal: offers callbacks', async () => {
    const c = conversation({ settings: { questions: [SCRIPT[0]] }, freeSlots: { onsite: [] } });
    await c.turn();
    expect((await c.turn('2150')).texts[0]).toContain('When suits for a call back? Reply 1 for Tue 09:45 or 2 for Tue 13:00');
  });

  it('a reply the runner refuses hands off', async () => {
    const c = conversation({}, { refuseReplies: true });
    const turn = await c.turn();
    expect(turn.outcome).toBe('handed_off');
    expect(turn.calls.at(-1)).toEqual({ tool: 'hand_off', args: { reason: 'The agent could not send its reply' } });
  });
});

describe('runRulesTurn: picking and booking a slot', () => {
  async function offered(options: { refuseBookings?: number } = {}) {
    const c = conversation({ settings: { questions: [SCRIPT[0]] } }, options);
    await c.turn();
    await c.turn('2150');
    return c;
  }

  it('a slot taken meanwhile: fresh slots offered once, then a hand-off', async () => {
    const c = await offered({ refuseBookings: 2 });
    const taken = await c.turn('1');
    expect(taken.tools).toEqual(['book_appointment', 'send_reply']);
    expect(taken.texts).toEqual(['Sorry, that time has just been taken. When suits for a visit? Reply 1 for Tue 11:00, 2 for Tue 14:30 or 3 for Wed 09:00']);
    const again = await c.turn('1');
    expect(again.calls[0]).toEqual({ tool: 'book_appointment', args: { type: 'onsite', start_time: at('2026-12-08T11:00:00').toISOString() } });
    expect(again.tools).toEqual(['book_appointment', 'send_reply', 'hand_off']);
    expect(again.texts).toEqual(['Sorry, that time has just been taken. Someone from Acme Roofing will be in touch to find a time that suits.']);
  });

  it('a slot taken, then the fresh one booked', async () => {
    const c = await offered({ refuseBookings: 1 });
    await c.turn('Tue 10');
    const booked = await c.turn('wed');
    expect(booked.calls[0]).toEqual({ tool: 'book_appointment', args: { type: 'onsite', start_time: at('2026-12-09T09:00:00').toISOString() } });
    expect(c.state.stage).toBe('booked');
  });

  it('"none of those work" hands off', async () => {
    const c = await offered();
    const turn = await c.turn('none of those work sorry');
    expect(turn.tools).toEqual(['send_reply', 'hand_off']);
    expect(turn.texts).toEqual(['No worries. Someone from Acme Roofing will be in touch to find a time that suits.']);
  });

  it('a pick not understood: the list again, then a hand-off', async () => {
    const c = await offered();
    expect((await c.turn('hmm let me check with the wife')).texts).toEqual([`Sorry, I didn't catch that. ${OFFER}`]);
    const turn = await c.turn('whatever is easiest');
    expect(turn.tools).toEqual(['send_reply', 'hand_off']);
    expect(c.state.handoff_reason).toBe('Could not tell which offered time the lead chose');
  });

  const list = [
    { n: 1, type: 'onsite' as const, start: at('2026-12-08T10:00:00').toISOString() },
    { n: 2, type: 'onsite' as const, start: at('2026-12-08T14:30:00').toISOString() },
    { n: 3, type: 'onsite' as const, start: at('2026-12-09T09:00:00').toISOString() },
  ];
  const ctx = { company: { name: 'Acme', timezone: SYDNEY, phone: null }, now: NOW };
  it.each([
    ['1', 1], ['2', 2], ['3.', 3], ['#2', 2], ['option 2 please', 2], ['number 3 thanks', 3], ['2 works', 2], ["I'll take 1", 1],
    ['the first one', 1], ['1st', 1], ['second', 2], ['the last one', 3], ['tuesday 10', 1], ['Tue 10:00', 1], ['tues at 10am', 1],
    ['2pm', 2], ['2:30pm', 2], ['14:30', 2], ['at 2.30', 2], ['tuesday arvo', 2], ['wed', 3], ['Wednesday morning', 3], ['tomorrow', 3],
    ['9am', 3], ['today 10', 1], ['10', 1], ['no. 2', 2], ['one please', 1], ['two', 2], ['Wed 9th at 9', 3], ['9 Dec 9am', 3],
    ['the 8th at 2:30', 2], ['tuesday morning', 1], ['can do 10', 1], ['at 10 on tuesday thanks', 1],
  ])('"%s" picks slot %i', (text, n) => {
    expect(readPick(text, list, ctx)).toEqual(list[n - 1]);
  });
  it.each([['none of those work'], ["can't do any of them"], ['neither'], ['got anything later?'], ['different day?'], ['no'], ['Nah thanks']])('"%s" is none', (text) => {
    expect(readPick(text, list, ctx)).toBe('none');
  });
  it.each([['tuesday'], ['4'], ['friday'], ['3pm'], ['whenever'], ['morning'], [''], ["1 doesn't work"], ['I am free tuesday'], ['2 or 3'], ['10 Dec']])('"%s" picks nothing', (text) => {
    expect(readPick(text, list, ctx)).toBeUndefined();
  });
  it('a yes picks the only slot offered', () => {
    expect(readPick('yes please', list.slice(0, 1), ctx)).toEqual(list[0]);
  });
});

describe('runRulesTurn: after the booking', () => {
  it('a thank-you gets nothing; anything else a note that the team will see it, and a hand-off', async () => {
    const c = conversation({ settings: { questions: [SCRIPT[0]] } });
    await c.turn();
    await c.turn('2150');
    await c.turn('1');
    expect((await c.turn('Thanks heaps!')).calls).toEqual([]);
    expect((await c.turn('👍')).calls).toEqual([]);
    expect((await c.turn('ok thanks', 'Cheers mate, see you then!')).calls).toEqual([]);
    const moved = await c.turn('can we make it friday instead?');
    expect(moved.calls).toEqual([
      { tool: 'send_reply', args: { text: 'Thanks Sam, the team at Acme Roofing will see your message and get back to you.' } },
      { tool: 'hand_off', args: { reason: 'A message after the booking: "can we make it friday instead?"' } },
    ]);
  });
});

describe('scoreAnswers', () => {
  const settings = { questions: SCRIPT, weights: WEIGHTS, servicePostcodes: ['2000-2234', '2560'] };
  it.each([
    [{ postcode: '2150', job: 'roof', timeframe: 'asap', property_type: 'house', owner: true }, 100, 'hot'],
    [{ postcode: '2560', job: 'roof', timeframe: 'this_week', property_type: 'unit', owner: false }, 80, 'hot'],
    [{ postcode: '2150', job: 'roof', timeframe: 'this_month', property_type: 'house', owner: false }, 65, 'warm'],
    [{ postcode: '2150', timeframe: 'one_to_three_months', owner: true }, 50, 'warm'],
    [{ postcode: '2150', timeframe: 'later' }, 30, 'cold'],
    [{ postcode: '2235', job: 'roof', timeframe: 'asap', owner: true }, 60, 'warm'],
    [{ timeframe: 'next_week', job: 'x', property_type: 'house' }, 35, 'cold'],
    [{ postcode: '2150', timeframe: 'next_week', owner: true, job: 'x' }, 75, 'hot'],
    [{ postcode: '2150', timeframe: 'unsure', job: 'x' }, 40, 'warm'],
    [{}, 0, 'cold'],
  ] as const)('%o scores %i (%s)', (answers, score, status) => {
    expect(scoreAnswers(settings, answers)).toMatchObject({ score, status });
  });

  it('an empty service area holds every postcode; without weights each question weighs an equal share', () => {
    expect(scoreAnswers({ ...settings, servicePostcodes: [] }, { postcode: '6000' }).score).toBe(30);
    const even = { questions: SCRIPT.slice(0, 3), weights: {}, servicePostcodes: [] };
    expect(scoreAnswers(even, { postcode: '2000', job: 'x', timeframe: 'asap' }).score).toBe(100);
    expect(scoreAnswers(even, { job: 'x' }).score).toBe(33);
  });

  it('clamps to 100', () => {
    const heavy = { questions: SCRIPT, weights: { postcode: 100, owner: 100 }, servicePostcodes: [] };
    expect(scoreAnswers(heavy, { postcode: '2000', owner: true })).toMatchObject({ score: 100, status: 'hot' });
  });

  it('reads the service area as postcodes and ranges of one length', () => {
    expect(inServiceArea('2000', ['2000-2234'])).toBe(true);
    expect(inServiceArea('2234', ['2000-2234'])).toBe(true);
    expect(inServiceArea('2235', ['2000-2234'])).toBe(false);
    expect(inServiceArea('2560', [' 2000-2234', '2560'])).toBe(true);
    expect(inServiceArea('0800', ['0800-0899'])).toBe(true);
    expect(inServiceArea('800', ['0800-0899'])).toBe(false);
  });
});

describe('replies stay within 2 SMS segments, with no link or other number', () => {
  const longName = 'Acme Roofing, Guttering, Plumbing, Electrical & Solar Installations of Greater Western Sydney, the Blue Mountains and the Central Coast Pty Ltd';
  const longAsk = `${'Could you please tell us, in as much detail as you like, '.repeat(5)}what the job is?`.slice(0, 320);
  const script: ScriptQuestion[] = [
    { ...SCRIPT[0], ask: `${longAsk} And the postcode?` },
    { ...SCRIPT[1], ask: longAsk },
    { ...SCRIPT[2], ask: longAsk },
    { ...SCRIPT[3], ask: longAsk, choices: ['a freestanding house on its own block', 'a unit or apartment in a strata building', 'a commercial or industrial property'] },
    { ...SCRIPT[4], ask: longAsk },
  ];
  const variants: Over[] = [
    { company: { name: longName } },
    { company: { name: `Zoë’s “Best” Roofing — ${longName}` }, lead: { firstName: 'Zoë' } },
    { company: { name: longName }, settings: { questions: script } },
    { company: { name: longName }, lead: { firstName: 'Bartholomew-Alexander' }, settings: { questions: script } },
  ];

  async function everyReply(over: Over): Promise<string[]> {
    const paths: ((c: ReturnType<typeof conversation>) => Promise<unknown>)[] = [
      async (c) => { await c.turn(); for (const t of ['x', 'y', '2150', 'roof', '??', 'asap', '??', 'unit', '??', 'yes', '??', 'none']) await c.turn(t); },
      async (c) => { await c.turn(); for (const t of ['2150', 'roof', 'asap', '2', 'yes', '1', 'thanks', 'moving house']) await c.turn(t); },
      async (c) => { await c.turn(); await c.turn('3000'); },
      async (c) => { await c.turn('call me'); },
      async (c) => { await c.turn(); for (const t of ['2150', 'roof', 'asap', '2', 'yes', 'blah', 'blah']) await c.turn(t); },
    ];
    const out: string[] = [];
    for (const path of paths) {
      const c = conversation(over, { refuseBookings: 0 });
      await path(c);
      out.push(...c.replies);
    }
    for (const refused of [1, 2]) {
      const c = conversation(over, { refuseBookings: refused });
      await c.turn();
      for (const t of ['2150', 'roof', 'asap', '2', 'yes', '1', '1']) await c.turn(t);
      out.push(...c.replies);
    }
    const none = conversation({ ...over, freeSlots: { onsite: [], callback: [] } });
    await none.turn();
    for (const t of ['2150', 'roof', 'asap', '2', 'yes']) await none.turn(t);
    out.push(...none.replies);
    return out;
  }

  it.each(variants.map((v, i) => [i, v] as const))('variant %i', async (_, over) => {
    const replies = await everyReply(over);
    expect(replies.length).toBeGreaterThan(20);
    for (const text of replies) {
      expect(countSegments(text).segments, text).toBeLessThanOrEqual(2);
      expect(text).not.toMatch(/https?:|www\.|\d{6,}|\+\d/);
    }
  });

  it('fitSms takes the first candidate that fits, else cuts the last at a word', () => {
    expect(fitSms(['a'.repeat(400), 'short'])).toBe('short');
    const cut = fitSms([`${'word '.repeat(100)}end`]);
    expect(countSegments(cut).segments).toBe(2);
    expect(cut.endsWith('word...')).toBe(true);
    expect(fitSms(['It’s “fine” — really'])).toBe('It\'s "fine" - really');
  });
});

describe('the qualification state', () => {
  it('round-trips through JSON at every stage', async () => {
    const c = conversation();
    for (const t of [undefined, '2150', 'roof', '??', 'asap', 'house', 'yes', '1']) {
      await (t === undefined ? c.turn() : c.turn(t));
      const state = c.state;
      expect(readRulesState(JSON.parse(JSON.stringify(state)))).toEqual(state);
    }
    expect(c.state.stage).toBe('booked');
  });

  it('starts afresh from an empty or foreign qualification, keeping what fits', () => {
    expect(readRulesState({})).toEqual({ engine: 'rules', answers: {}, unclear: {}, pending: null, reasked: [], offered: [], offer_rounds: 0, offer_misses: 0 });
    expect(readRulesState(null).answers).toEqual({});
    const foreign = readRulesState({ engine: 'llm', answers: { postcode: '2150', bad: { x: 1 } }, unclear: 'x', stage: 'thinking', offered: 'no' });
    expect(foreign).toMatchObject({ engine: 'rules', answers: { postcode: '2150' }, unclear: {}, stage: undefined, offered: [] });
    // Two parses share nothing: the engine changes its state in place.
    const a = readRulesState({});
    a.answers.x = 1;
    a.reasked.push('x');
    expect(readRulesState({})).toMatchObject({ answers: {}, reasked: [] });
  });
});
