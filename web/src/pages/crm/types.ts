// The /v1 and /app/api shapes the CRM pages read, as the server's Zod schemas define them
// (src/features/*/*.schemas.ts and docs/dashboard.md). Types only: nothing here runs.

export const STAGES = ['new_lead', 'follow_up', 'quote_in_progress', 'quoted', 'closed_won', 'closed_lost'] as const;
export type Stage = (typeof STAGES)[number];
export const STAGE_LABELS: Record<Stage, string> = {
  new_lead: 'New lead',
  follow_up: 'Follow up',
  quote_in_progress: 'Quote in progress',
  quoted: 'Quoted',
  closed_won: 'Closed won',
  closed_lost: 'Closed lost',
};

export const AI_STATUSES = ['new', 'hot', 'warm', 'cold'] as const;
export type AiStatus = (typeof AI_STATUSES)[number];

export const QUOTE_STATUSES = ['draft', 'sent', 'viewed', 'accepted', 'declined', 'expired'] as const;
export type QuoteStatus = (typeof QUOTE_STATUSES)[number];

export const APPOINTMENT_STATUSES = ['scheduled', 'confirmed', 'completed', 'cancelled', 'no_show'] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];
export const APPOINTMENT_TYPES = ['callback', 'onsite', 'other'] as const;
export type AppointmentType = (typeof APPOINTMENT_TYPES)[number];

export type PageMeta = { page: number; per_page: number; total: number };
export type Paged<T> = { data: T[]; meta: PageMeta };
export type One<T> = { data: T };

export type Lead = {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  pipeline_stage: Stage;
  ai_status: AiStatus;
  ai_score: number;
  ai_summary: string | null;
  ai_enabled: boolean;
  source: string | null;
  service_type: string | null;
  notes: string | null;
  address: string | null;
  postcode: string | null;
  value: number | null;
  custom_data: Record<string, unknown>;
  metadata: Record<string, unknown>;
  sms_opted_out: boolean;
  created_at: string;
  updated_at: string;
};

export type LineItem = { description: string; quantity: number; unit_price: number; subtotal: number };
export type TaxMode = 'exclusive' | 'inclusive';

export type Quote = {
  id: string;
  quote_number: string;
  status: QuoteStatus;
  lead_id: string;
  subtotal: number;
  tax: number;
  total: number;
  tax_rate: number;
  tax_mode: TaxMode;
  currency: string;
  line_items: LineItem[];
  metadata: Record<string, unknown>;
  notes: string | null;
  valid_until: string | null;
  public_url: string;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  viewed_at: string | null;
  accepted_at: string | null;
  declined_at: string | null;
};

export type Appointment = {
  id: string;
  lead_id: string;
  title: string;
  description: string | null;
  status: AppointmentStatus;
  appointment_type: AppointmentType;
  start_time: string;
  end_time: string;
  location: string | null;
  notes: string | null;
  booked_by: 'ai' | 'human' | 'api';
  created_at: string;
  updated_at: string;
  leads: { name: string | null; phone: string | null; email: string | null };
};

export type SmsMessage = {
  id: string;
  direction: 'inbound' | 'outbound';
  body: string;
  status: 'queued' | 'sent' | 'delivered' | 'undelivered' | 'failed' | 'received';
  segments: number;
  error_code: string | null;
  provider_sid: string | null;
  provider: string;
  created_at: string;
};

export type SendSmsAnswer = { success: true; message: 'SMS sent'; message_id: string; segments: number; credits_remaining: number };

export type Pipeline = Record<Stage, number>;

export type Settings = {
  name: string;
  country: string;
  timezone: string;
  currency: string;
  tax_rate: number;
  tax_mode: TaxMode;
  instant_reply: boolean;
  twilio_number: string | null;
  sms_credits: number;
};

export type Overview = {
  pipeline: Pipeline;
  new_leads_by_week: { week_start: string; count: number }[];
  quotes: { sent: number; accepted: number; declined: number; win_rate: number | null };
};
