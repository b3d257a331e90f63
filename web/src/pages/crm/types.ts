// The /v1 and /app/api shapes the CRM pages read: the server's own types, derived from its Zod schemas
// and views, imported as types only (Vite erases them, so no server code reaches the bundle).
import type { Lead } from '../../../../src/features/leads/leads.schemas';
import type { Quote } from '../../../../src/features/quotes/quotes.schemas';
import type { Appointment } from '../../../../src/features/appointments/appointments.schemas';
import type { SendSmsAnswer, SmsMessage } from '../../../../src/features/sms/sms.schemas';
import type { SettingsView } from '../../../../src/features/companies/settings.routes';
import type { Overview } from '../../../../src/features/pipeline/pipeline.service';
import type { Paginated } from '../../../../src/http/pagination';

export type { Appointment, Lead, Overview, Quote, SendSmsAnswer, SmsMessage };
export type Settings = SettingsView;
export type Paged<T> = Paginated<T>;
export type PageMeta = Paginated<unknown>['meta'];
export type One<T> = { data: T };

export type Stage = Lead['pipeline_stage'];
export type AiStatus = Lead['ai_status'];
export type QuoteStatus = Quote['status'];
export type LineItem = Quote['line_items'][number];
export type TaxMode = Quote['tax_mode'];
export type Unit = NonNullable<LineItem['unit']>;
export type AppointmentStatus = Appointment['status'];
export type AppointmentType = Appointment['appointment_type'];
export type Sender = SmsMessage['sender'];
export type Pipeline = Overview['pipeline'];

// The lists the pages render at runtime stay here: the server's live in src/db/schema, which imports
// drizzle, so importing them would bundle it. `every` fails to compile if a list misses a value of the
// server's type or has one it lacks, so they cannot drift.
type Every<T> = <const L extends readonly T[]>(list: L & ([T] extends [L[number]] ? unknown : { missing: Exclude<T, L[number]> })) => L;
const every = <T>(): Every<T> => (list) => list;

export const STAGES = every<Stage>()(['new_lead', 'follow_up', 'quote_in_progress', 'quoted', 'closed_won', 'closed_lost']);
export const STAGE_LABELS: Record<Stage, string> = {
  new_lead: 'New lead',
  follow_up: 'Follow up',
  quote_in_progress: 'Quote in progress',
  quoted: 'Quoted',
  closed_won: 'Closed won',
  closed_lost: 'Closed lost',
};

export const AI_STATUSES = every<AiStatus>()(['new', 'hot', 'warm', 'cold']);
export const QUOTE_STATUSES = every<QuoteStatus>()(['draft', 'sent', 'viewed', 'accepted', 'declined', 'expired']);
export const APPOINTMENT_STATUSES = every<AppointmentStatus>()(['scheduled', 'confirmed', 'completed', 'cancelled', 'no_show']);
export const APPOINTMENT_TYPES = every<AppointmentType>()(['callback', 'onsite', 'other']);
export const UNITS = every<Unit>()(['each', 'hour', 'm2', 'metre', 'kw']);
export const UNIT_LABELS: Record<Unit, string> = { each: 'each', hour: 'hour', m2: 'm²', metre: 'metre', kw: 'kW' };
