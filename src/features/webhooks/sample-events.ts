import type { EventType } from '../events/events.js';

// What a test delivery (POST /v1/webhooks/:id/test) carries: made-up data of the same shape as the
// real event, so an integrator can build and check a handler per event before any real one happens.
// test/events-end-to-end.test.ts holds these shapes to the real events' shapes.

const SAMPLE_LEAD_ID = '00000000-0000-4000-8000-000000000001';
const SAMPLE_QUOTE_ID = '00000000-0000-4000-8000-000000000002';
const SAMPLE_APPOINTMENT_ID = '00000000-0000-4000-8000-000000000003';

function lead(at: string, stage: string) {
  return {
    id: SAMPLE_LEAD_ID,
    name: 'Sam Sample',
    first_name: 'Sam',
    last_name: 'Sample',
    email: 'sam@example.com',
    phone: '+61412345678',
    pipeline_stage: stage,
    ai_status: 'new',
    ai_score: 0,
    ai_summary: null,
    ai_enabled: true,
    ai_score_reason: null,
    qualification: {},
    agent_paused: false,
    agent_paused_reason: null,
    source: 'website',
    service_type: 'Roof repair',
    notes: 'A test event from QuoteLeads',
    address: null,
    postcode: null,
    value: null,
    custom_data: {},
    metadata: {},
    sms_opted_out: false,
    external_id: null,
    attribution: null,
    auto_text_held: null,
    created_at: at,
    updated_at: at,
  };
}

function quote(at: string, status: string, publicUrl: string) {
  return {
    id: SAMPLE_QUOTE_ID,
    quote_id: SAMPLE_QUOTE_ID,
    quote_number: 'Q-00001',
    status,
    lead_id: SAMPLE_LEAD_ID,
    subtotal: 1200,
    tax: 120,
    total: 1320,
    tax_rate: 0.1,
    tax_mode: 'exclusive',
    currency: 'AUD',
    line_items: [{ description: 'Gutter replacement', quantity: 12, unit_price: 100, subtotal: 1200, unit: 'metre', price_book_item_id: null }],
    metadata: {},
    notes: 'A test event from QuoteLeads',
    valid_until: null,
    public_url: `${publicUrl}/q/sample`,
    created_at: at,
    updated_at: at,
    sent_at: status === 'draft' ? null : at,
    viewed_at: status === 'viewed' || status === 'accepted' ? at : null,
    accepted_at: status === 'accepted' ? at : null,
    declined_at: status === 'declined' ? at : null,
  };
}

function appointment(at: string, status: string) {
  return {
    id: SAMPLE_APPOINTMENT_ID,
    lead_id: SAMPLE_LEAD_ID,
    lead_name: 'Sam Sample',
    title: 'Site Visit: Sam Sample',
    description: null,
    status,
    appointment_type: 'onsite',
    start_time: at,
    end_time: new Date(Date.parse(at) + 30 * 60_000).toISOString(),
    location: '12 Example St, Sydney NSW 2000',
    notes: null,
    booked_by: 'api',
    reschedule_requested_at: null,
    created_at: at,
    updated_at: at,
    leads: { name: 'Sam Sample', phone: '+61412345678', email: 'sam@example.com' },
  };
}

/** The sample `data` (and `previous`, for the update events) of a test delivery of `event`. */
export function sampleEvent(
  event: EventType,
  now: Date,
  publicUrl: string,
): { data: Record<string, unknown>; previous: Record<string, unknown> | null } {
  const at = now.toISOString();
  switch (event) {
    case 'lead.created':
      return { data: lead(at, 'new_lead'), previous: null };
    case 'lead.updated':
      return { data: lead(at, 'follow_up'), previous: { pipeline_stage: 'new_lead' } };
    case 'lead.deleted':
      return { data: { id: SAMPLE_LEAD_ID }, previous: null };
    case 'sale.completed':
      return { data: { ...lead(at, 'closed_won'), quote_id: SAMPLE_QUOTE_ID }, previous: null };
    case 'quote.sent':
      return { data: quote(at, 'sent', publicUrl), previous: null };
    case 'quote.viewed':
      return { data: quote(at, 'viewed', publicUrl), previous: null };
    case 'quote.accepted':
      return { data: quote(at, 'accepted', publicUrl), previous: null };
    case 'quote.declined':
      return { data: quote(at, 'declined', publicUrl), previous: null };
    case 'appointment.booked':
      return { data: appointment(at, 'scheduled'), previous: null };
    case 'appointment.updated':
      return { data: appointment(at, 'confirmed'), previous: { status: 'scheduled' } };
    case 'sms.received':
      return {
        data: {
          id: '00000000-0000-4000-8000-000000000004',
          lead_id: SAMPLE_LEAD_ID,
          direction: 'inbound',
          body: 'Yes, Thursday morning works. Thanks!',
          status: 'received',
          segments: 1,
          error_code: null,
          provider_sid: 'SM00000000000000000000000000000000',
          provider: 'twilio',
          from: '+61412345678',
          to: '+61480000000',
          sender: { type: 'lead', id: SAMPLE_LEAD_ID, name: 'Sam Sample' },
          created_at: at,
        },
        previous: null,
      };
    case 'agent.handed_off':
      return { data: { ...lead(at, 'follow_up'), agent_paused: true, agent_paused_reason: 'Asked for a person', handoff_reason: 'Asked for a person' }, previous: null };
    case 'sms.sent':
      return {
        data: {
          id: '00000000-0000-4000-8000-000000000005',
          lead_id: SAMPLE_LEAD_ID,
          direction: 'outbound',
          body: 'Thanks Sam, we will see you Thursday at 9am.',
          status: 'sent',
          segments: 1,
          error_code: null,
          provider_sid: 'SM00000000000000000000000000000001',
          provider: 'twilio',
          to: '+61412345678',
          sender: { type: 'user', id: '00000000-0000-4000-8000-000000000006', name: 'Pat Owner' },
          created_at: at,
        },
        previous: null,
      };
    case 'sms.credits_low':
      return { data: { credits_remaining: 49, threshold: 50 }, previous: null };
  }
}
