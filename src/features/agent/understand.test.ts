import { describe, expect, it } from 'vitest';
import { TEXT_ANSWER_MAX, understand, type Timeframe } from './understand.js';

// Replies as leads really text them. `undefined` means the engine must not understand the reply and
// asks again.

const valueOf = (result: { ok: boolean; value?: unknown }) => (result.ok ? result.value : undefined);

describe('understand: postcode', () => {
  it.each<[string, string | undefined]>([
    ['2150', '2150'],
    ['its 2150 mate', '2150'],
    ["it's 2150", '2150'],
    ['parramatta 2150', '2150'],
    ['Parramatta NSW 2150', '2150'],
    ['PARRAMATTA NSW2150', '2150'],
    ['2150 parramatta', '2150'],
    ['2150.', '2150'],
    ['2150!', '2150'],
    ['  2150  ', '2150'],
    ['post code is 2150', '2150'],
    ['postcode: 2150', '2150'],
    ['P/C 2150', '2150'],
    ['pc 2150 thanks', '2150'],
    ['2 1 5 0', '2150'],
    ['post code is 2 1 5 0', '2150'],
    ['2-1-5-0', '2150'],
    ['3000', '3000'],
    ['melbourne 3000', '3000'],
    ['Fitzroy VIC 3065', '3065'],
    ['4000 brisbane city', '4000'],
    ['we are in 4217 gold coast', '4217'],
    ['5000', '5000'],
    ['6000 perth', '6000'],
    ['7000 hobart', '7000'],
    ['0800', '0800'],
    ['darwin 0810', '0810'],
    ['0870 alice springs', '0870'],
    ['2600 canberra', '2600'],
    ['0200', '0200'],
    ['2000 👍', '2000'],
    ['📍2010', '2010'],
    ['Surry Hills, 2010', '2010'],
    ['12 Smith St Parramatta 2150', '2150'],
    ['1/23 George st, Sydney 2000', '2000'],
    ['2150 2150', '2150'],
    ['its 2560 campbelltown', '2560'],
    ['2234 menai', '2234'],
    ['Byron bay 2481', '2481'],
    ['2150 (parramatta)', '2150'],
    ['#2150', '2150'],
    ['postcode2150', '2150'],
    ['2150 cheers', '2150'],
    ['hi its 2145 westmead', '2145'],
    ['2765 riverstone nsw', '2765'],
    // Not understood: asked again.
    ['215', undefined],
    ['21500', undefined],
    ['215 0', undefined],
    ['21 50', undefined],
    ['2150 or 2151', undefined],
    ['0412 345 678', undefined],
    ['0412345678', undefined],
    ['9876 5432', undefined],
    ['0000', undefined],
    ['0123', undefined],
    ['0500', undefined],
    ['21.50', undefined],
    ['$2150', undefined],
    ['parramatta', undefined],
    ['not sure', undefined],
    ['', undefined],
    ['   ', undefined],
    ['👍', undefined],
    ['two one five zero', undefined],
    ['sydney cbd', undefined],
    ['12345', undefined],
  ])('%j → %s', (text, expected) => {
    expect(valueOf(understand('postcode', text))).toBe(expected);
  });

  it('displays the postcode', () => {
    expect(understand('postcode', 'its 2150 mate')).toEqual({ ok: true, value: '2150', display: '2150' });
  });
});

describe('understand: timeframe', () => {
  const today = '2026-12-02'; // a Wednesday in December
  it.each<[string, Timeframe | undefined]>([
    ['asap', 'asap'],
    ['ASAP', 'asap'],
    ['asap!!!', 'asap'],
    ['asp', 'asap'],
    ['a.s.a.p', 'asap'],
    ['As soon as possible please', 'asap'],
    ['urgent', 'asap'],
    ['URGENT water everywhere', 'asap'],
    ['its an emergency', 'asap'],
    ['yesterday lol', 'asap'],
    ['yesterday 😂', 'asap'],
    ['today if you can', 'asap'],
    ['tmrw', 'asap'],
    ['tomorrow arvo', 'asap'],
    ['this arvo?', 'asap'],
    ['right now', 'asap'],
    ['straight away', 'asap'],
    ['soon as', 'asap'],
    ['the sooner the better', 'asap'],
    ['soon', 'asap'],
    ['this week', 'this_week'],
    ['sometime this week', 'this_week'],
    ['by the end of the week', 'this_week'],
    ['this weekend', 'this_week'],
    ['friday', 'this_week'],
    ['Thursday or Friday', 'this_week'],
    ['in a few days', 'this_week'],
    ['next few days', 'this_week'],
    ['within a week', 'this_week'],
    ['next week', 'next_week'],
    ['nxt week', 'next_week'],
    ['nxt wk', 'next_week'],
    ['Next Week pls', 'next_week'],
    ['early next week', 'next_week'],
    ['next monday', 'next_week'],
    ['in a week or so', 'next_week'],
    ['in a week or two', 'next_week'],
    ['1-2 weeks', 'next_week'],
    ['couple of weeks', 'this_month'],
    ['in a couple of weeks', 'this_month'],
    ['2-3 weeks', 'this_month'],
    ['few weeks', 'this_month'],
    ['in a fortnight', 'this_month'],
    ['this month', 'this_month'],
    ['end of the month', 'this_month'],
    ['before xmas', 'this_month'],
    ['before christmas ideally', 'this_month'],
    ['next month', 'one_to_three_months'],
    ['in a couple of months', 'one_to_three_months'],
    ['couple months', 'one_to_three_months'],
    ['in 2 months', 'one_to_three_months'],
    ['6-8 weeks', 'one_to_three_months'],
    ['after xmas', 'one_to_three_months'],
    ['after chrissy', 'one_to_three_months'],
    ['new year', 'one_to_three_months'],
    ['january', 'one_to_three_months'],
    ['feb next year', 'one_to_three_months'],
    ['in 6 months', 'later'],
    ['next year sometime', 'later'],
    ['no rush', 'later'],
    ['No rush mate', 'later'],
    ['not urgent', 'later'],
    ['not in a hurry', 'later'],
    ['just getting prices for now', 'later'],
    ['mid 2027', undefined],
    ['june', 'later'],
    ['not sure', 'unsure'],
    ['dunno', 'unsure'],
    ['idk', 'unsure'],
    ["don't know yet", 'unsure'],
    ['whenever suits', 'unsure'],
    ['flexible', 'unsure'],
    ['depends on the price', 'unsure'],
    ['sat morning', 'this_week'],
    ['weds', 'this_week'],
    ['soonish', 'this_week'],
    ['monday next week', 'next_week'],
    ['next wkend', 'next_week'],
    ['within the next month', 'this_month'],
    ['6mths', 'later'],
    ["c'mon mate", undefined],
    ['i sat down', undefined],
    ['not sure, maybe next week', 'next_week'],
    ['no rush but next week would be good', 'next_week'],
    ['not this week, next week', 'next_week'],
    // Not understood: asked again.
    ['hi', undefined],
    ['how much for a roof?', undefined],
    ['2150', undefined],
    ['yes', undefined],
    ['ok', undefined],
    ['', undefined],
    ['🤷', undefined],
    ['what do you mean?', undefined],
    ['can you call me', undefined],
    ['my name is bob', undefined],
  ])('%j → %s', (text, expected) => {
    expect(valueOf(understand('timeframe', text, { today }))).toBe(expected);
  });

  it.each<[string, string, Timeframe | undefined]>([
    ['after xmas', '2026-03-10', 'later'],
    ['march', '2026-03-10', 'this_month'],
    ['april', '2026-03-10', 'one_to_three_months'],
    ['january', '2026-03-10', 'later'],
    ['before xmas', '2026-10-01', 'one_to_three_months'],
    ['after xmas', '2026-11-20', 'one_to_three_months'],
  ])('%j on %s → %s', (text, on, expected) => {
    expect(valueOf(understand('timeframe', text, { today: on }))).toBe(expected);
  });

  it('needs today for a month, not for the rest', () => {
    expect(understand('timeframe', 'january')).toEqual({ ok: false });
    expect(understand('timeframe', 'january', { today: 'tomorrow' })).toEqual({ ok: false });
    expect(understand('timeframe', 'next week')).toEqual({ ok: true, value: 'next_week', display: 'next week' });
  });
});

describe('understand: yes_no', () => {
  it.each<[string, boolean | undefined]>([
    ['yes', true],
    ['Yes', true],
    ['YES!!', true],
    ['yep', true],
    ['yup', true],
    ['yeah', true],
    ['yeahhh', true],
    ['yea', true],
    ['ya', true],
    ['y', true],
    ['yes please', true],
    ['Yes please!', true],
    ['yesss', true],
    ['sure', true],
    ['sure thing', true],
    ['definitely', true],
    ['definately', true],
    ['defo', true],
    ['absolutely', true],
    ['of course', true],
    ['ok', true],
    ['okay sounds good', true],
    ['👍', true],
    ['👍👍', true],
    ['yep 👍', true],
    ['nah yeah', true],
    ['nah yeah for sure', true],
    ['no worries', true],
    ['too right', true],
    ['yeah mate', true],
    ['yes, but only mornings', true],
    ['yep we own it', true],
    ['i do', true],
    ['we own it, yes', true],
    ['go ahead', true],
    ['aye', true],
    ['no', false],
    ['No.', false],
    ['nope', false],
    ['nah', false],
    ['nahhh', false],
    ['nah mate', false],
    ['yeah nah', false],
    ['yeah, nah', false],
    ['Yeah nah not really', false],
    ['no thanks', false],
    ['no thank you', false],
    ['not really', false],
    ['n', false],
    ['nup', false],
    ['never', false],
    ['absolutely not', false],
    ['definitely not', false],
    ['👎', false],
    ['no, we rent', false],
    ['nope, renting', false],
    ["i don't", false],
    ['not interested', false],
    ["i'll pass", false],
    ['no but call me next week', false],
    ['sweet as', true],
    ["that's right", true],
    ['hell no', false],
    ["i'm good thanks", false],
    ['✅', true],
    ['❌', false],
    // Not understood: asked again.
    ['stop', undefined],
    ['maybe', undefined],
    ['not sure', undefined],
    ['dunno', undefined],
    ['probably', undefined],
    ['yes and no', undefined],
    ['what?', undefined],
    ['how much is it', undefined],
    ['', undefined],
    ['🤔', undefined],
    ['i need a new roof, not a repair', undefined],
    ['call me', undefined],
  ])('%j → %s', (text, expected) => {
    expect(valueOf(understand('yes_no', text))).toBe(expected);
  });

  it('displays yes or no', () => {
    expect(understand('yes_no', 'yeah nah')).toEqual({ ok: true, value: false, display: 'no' });
  });
});

describe('understand: choice', () => {
  const choices = ['house', 'unit', 'townhouse', 'commercial'];
  it.each<[string, string | undefined]>([
    ['house', 'house'],
    ['House', 'house'],
    ['HOUSE', 'house'],
    ['a house', 'house'],
    ["it's a house", 'house'],
    ['its a house mate', 'house'],
    ['house 🏠', 'house'],
    ['free standing house', 'house'],
    ['houses', 'house'],
    ['hosue', 'house'],
    ['hous', 'house'],
    ['1', 'house'],
    ['1.', 'house'],
    ['option 1', 'house'],
    ['#1', 'house'],
    ['one', 'house'],
    ['the first one', 'house'],
    ['unit', 'unit'],
    ['a unit', 'unit'],
    ['Unit.', 'unit'],
    ['units', 'unit'],
    ['unti', 'unit'],
    ['2', 'unit'],
    ['2)', 'unit'],
    ['two', 'unit'],
    ['2 please', 'unit'],
    ['we live in a unit', 'unit'],
    ['ground floor unit', 'unit'],
    ['townhouse', 'townhouse'],
    ['town house', 'townhouse'],
    ['Town House', 'townhouse'],
    ['townhouses', 'townhouse'],
    ['townhose', 'townhouse'],
    ['town', 'townhouse'],
    ['3', 'townhouse'],
    ['three', 'townhouse'],
    ['3rd', 'townhouse'],
    ['its a townhouse', 'townhouse'],
    ['a 2 storey townhouse', 'townhouse'],
    ['commercial', 'commercial'],
    ['Commercial', 'commercial'],
    ['comercial', 'commercial'],
    ['commerical', 'commercial'],
    ['comm', 'commercial'],
    ['commercial property', 'commercial'],
    ['its commercial - a shop', 'commercial'],
    ['4', 'commercial'],
    ['number 4', 'commercial'],
    ['four', 'commercial'],
    ['unit 👍', 'unit'],
    // Not understood: asked again.
    ['units and townhouses', undefined],
    ['house/unit', undefined],
    ['houseboat', undefined],
    ['commercial unit', undefined],
    ['5', undefined],
    ['0', undefined],
    ['house or unit', undefined],
    ['not a house, a unit', undefined],
    ['apartment', undefined],
    ['farm', undefined],
    ['', undefined],
    ['yes', undefined],
    ['2150', undefined],
    ['?', undefined],
    ['12', undefined],
    ['dunno', undefined],
  ])('%j → %s', (text, expected) => {
    expect(valueOf(understand('choice', text, { choices }))).toBe(expected);
  });

  it('matches a choice of several words, and returns it as the script spells it', () => {
    const jobs = ['Hot water system', 'Air conditioning', 'Solar panels'];
    expect(valueOf(understand('choice', 'air con', { choices: jobs }))).toBe('Air conditioning');
    expect(valueOf(understand('choice', 'new hot water system pls', { choices: jobs }))).toBe('Hot water system');
    expect(valueOf(understand('choice', 'solar panel', { choices: jobs }))).toBe('Solar panels');
    expect(understand('choice', '3', { choices: jobs })).toEqual({ ok: true, value: 'Solar panels', display: 'Solar panels' });
  });

  it('prefers a choice that is itself a number to the position', () => {
    expect(valueOf(understand('choice', '2', { choices: ['1', '2', '3+'] }))).toBe('2');
    expect(valueOf(understand('choice', '3+', { choices: ['1', '2', '3+'] }))).toBe('3+');
  });

  it('understands nothing without choices', () => {
    expect(understand('choice', 'house')).toEqual({ ok: false });
  });
});

describe('understand: number', () => {
  it.each<[string, number | undefined]>([
    ['3', 3],
    ['three', 3],
    ['Three', 3],
    ['about 20', 20],
    ['abt 20', 20],
    ['~20', 20],
    ['20ish', 20],
    ['roughly 20 squares', 20],
    ['20-30', 25],
    ['20 - 30', 25],
    ['20 to 30', 25],
    ['between 20 and 30', 25],
    ['2 or 3', 2.5],
    ['two or three', 2.5],
    ['twenty five', 25],
    ['twenty-five', 25],
    ['Twenty Five', 25],
    ['2.5', 2.5],
    ['2.5 metres', 2.5],
    ['0.5', 0.5],
    ['.5', 0.5],
    ['half', 0.5],
    ['one and a half', 1.5],
    ['2 and a half', 2.5],
    ['100', 100],
    ['a hundred', 100],
    ['one hundred and fifty', 150],
    ['150m2', 150],
    ['150 m²', 150],
    ['approx 150 sqm', 150],
    ['2,500', 2500],
    ['$5000', 5000],
    ['$5,000', 5000],
    ['5k', 5000],
    ['5 grand', 5000],
    ['2 thousand', 2000],
    ['a dozen', 12],
    ['a couple', 2],
    ['zero', 0],
    ['0', 0],
    ['none', 0],
    ['4 bedrooms', 4],
    ['we have 4 bedrooms', 4],
    ['4 👍', 4],
    ['6.6kw', 6.6],
    ['6.6 kW system', 6.6],
    ['10 panels', 10],
    ['ten', 10],
    ['eleven', 11],
    ['ninety nine', 99],
    ['1000', 1000],
    ['2 storeys', 2],
    // Not understood: asked again.
    ['not sure', undefined],
    ['a few', undefined],
    ['a couple of hundred', undefined],
    ['half a dozen', undefined],
    ['lots', undefined],
    ['', undefined],
    ['2 bedrooms and 1 bathroom', undefined],
    ['3x4', undefined],
    ['1st', undefined],
    ['-5', undefined],
    ['0412345678', undefined],
    ['10:30', undefined],
    ['2,5', undefined],
    ['30-20', undefined],
    ['no idea mate', undefined],
    ['🤷‍♂️', undefined],
  ])('%j → %s', (text, expected) => {
    expect(valueOf(understand('number', text))).toBe(expected);
  });

  it('displays the number', () => {
    expect(understand('number', 'about twenty five')).toEqual({ ok: true, value: 25, display: '25' });
  });
});

describe('understand: words that are also property names', () => {
  it.each(['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf'])('%s is only a word', (word) => {
    expect(understand('number', word)).toEqual({ ok: false });
    expect(understand('timeframe', word, { today: '2026-12-02' })).toEqual({ ok: false });
    expect(understand('yes_no', word)).toEqual({ ok: false });
    expect(understand('choice', word, { choices: ['house', 'unit'] })).toEqual({ ok: false });
    expect(understand('postcode', word)).toEqual({ ok: false });
  });
});

describe('understand: text', () => {
  it.each<[string, string | undefined]>([
    ['roof leaking', 'roof leaking'],
    ['  roof leaking  ', 'roof leaking'],
    ['Roof Leaking!!', 'Roof Leaking!!'],
    ['need a quote for a new hot water system', 'need a quote for a new hot water system'],
    ['line one\nline two', 'line one line two'],
    ['tabs\tand   spaces', 'tabs and spaces'],
    ['👍', '👍'],
    ['🏠🔧', '🏠🔧'],
    ['a', 'a'],
    ['2150', '2150'],
    ['yes', 'yes'],
    ['no', 'no'],
    ['?', '?'],
    ['hot water is busted, no hot water since sunday', 'hot water is busted, no hot water since sunday'],
    ['switchboard upgrade + 2 new powerpoints', 'switchboard upgrade + 2 new powerpoints'],
    ['gutters need cleaning & a few tiles replaced', 'gutters need cleaning & a few tiles replaced'],
    ["it's the back fence", "it's the back fence"],
    ['split system aircon in the main bedroom', 'split system aircon in the main bedroom'],
    ['Bathroom reno — full gut', 'Bathroom reno — full gut'],
    ['café kitchen exhaust', 'café kitchen exhaust'],
    ['Blocked drain 🤢', 'Blocked drain 🤢'],
    ['\u00a0nbsp around\u00a0', 'nbsp around'],
    ['ceiling fan install x3', 'ceiling fan install x3'],
    ['tree removal, about 10m gum', 'tree removal, about 10m gum'],
    ['painting 3 bed house inside', 'painting 3 bed house inside'],
    ['solar 6.6kw', 'solar 6.6kw'],
    ['dunno, whatever you reckon', 'dunno, whatever you reckon'],
    ['garage door wont open', 'garage door wont open'],
    ['leaking tap in kitchen', 'leaking tap in kitchen'],
    ['NEW DECK', 'NEW DECK'],
    ['deck', 'deck'],
    ['tiling', 'tiling'],
    ['oven not heating', 'oven not heating'],
    ['smoke alarms', 'smoke alarms'],
    ['pool fence compliance cert', 'pool fence compliance cert'],
    ['rewire old house', 'rewire old house'],
    ['hot water 🔥', 'hot water 🔥'],
    ['same as last time', 'same as last time'],
    ['call me', 'call me'],
    ['STOPPP the leak', 'STOPPP the leak'],
    ['\n\nroof\n\n', 'roof'],
    ['"quotes"', '"quotes"'],
    ['<b>bold</b>', '<b>bold</b>'],
    ['50% deposit ok?', '50% deposit ok?'],
    ['$500 budget', '$500 budget'],
    ['roof & gutters; also a skylight', 'roof & gutters; also a skylight'],
    ['Ça va', 'Ça va'],
    ['空调维修', '空调维修'],
    ['x', 'x'],
    ['...', '...'],
    ['-', '-'],
    ['0', '0'],
    ['a'.repeat(TEXT_ANSWER_MAX), 'a'.repeat(TEXT_ANSWER_MAX)],
    ['b'.repeat(TEXT_ANSWER_MAX + 1), 'b'.repeat(TEXT_ANSWER_MAX)],
    ['😀'.repeat(TEXT_ANSWER_MAX + 5), '😀'.repeat(TEXT_ANSWER_MAX)],
    // Not understood: asked again.
    ['', undefined],
    [' ', undefined],
    ['\n', undefined],
    ['\t \n ', undefined],
    ['\u00a0', undefined],
  ])('%j → %j', (text, expected) => {
    expect(valueOf(understand('text', text))).toBe(expected);
  });

  it('displays the text it keeps', () => {
    expect(understand('text', '  new roof ')).toEqual({ ok: true, value: 'new roof', display: 'new roof' });
  });
});
