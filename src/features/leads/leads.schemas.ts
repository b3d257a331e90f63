import { z } from 'zod';
import { optionalText, jsonObject, timestamp } from '../../http/schema-fields.js';
import { AI_STATUSES, AUTO_TEXT_HOLDS, PIPELINE_STAGES } from '../../db/schema/index.js';
import { paginationQuery } from '../../http/pagination.js';

const STRING_LIMITS = { name: 500, email: 254, notes: 10_000, search: 100, phone: 50, externalId: 200 } as const;

export const pipelineStage = z.enum(PIPELINE_STAGES);
export const aiStatus = z.enum(AI_STATUSES);

const money = z
  .number()
  .min(0)
  .max(999_999_999_999.99)
  .refine((n) => Math.abs(Math.round(n * 100) - n * 100) < 1e-6, { message: 'must have at most 2 decimal places' });

const leadFields = {
  name: optionalText(STRING_LIMITS.name),
  first_name: optionalText(STRING_LIMITS.name),
  last_name: optionalText(STRING_LIMITS.name),
  email: optionalText(STRING_LIMITS.email).pipe(z.email({ message: 'must be a valid email address' }).toLowerCase().nullable().optional()),
  phone: optionalText(STRING_LIMITS.phone).meta({ description: 'Normalised to E.164; a national number is read in the company country' }),
  pipeline_stage: pipelineStage.optional(),
  source: optionalText(STRING_LIMITS.name),
  service_type: optionalText(STRING_LIMITS.name),
  notes: optionalText(STRING_LIMITS.notes),
  address: optionalText(STRING_LIMITS.name),
  postcode: optionalText(STRING_LIMITS.name),
  value: money.nullable().optional(),
  custom_data: jsonObject.optional(),
  metadata: jsonObject.optional(),
  external_id: optionalText(STRING_LIMITS.externalId).meta({ description: "The integration's own id for the lead, unique in the company: upserts match on it first" }),
};

/** Where a lead came from, as intake captures it (the first touch stays on the lead). */
export const ATTRIBUTION_KEYS = ['utm_source', 'utm_medium', 'utm_campaign', 'utm_term', 'utm_content', 'gclid', 'fbclid', 'referrer', 'landing_page'] as const;
export const attributionBody = z
  .object(Object.fromEntries(ATTRIBUTION_KEYS.map((k) => [k, z.string().trim().max(2000, 'must be at most 2000 characters').optional()])) as Record<(typeof ATTRIBUTION_KEYS)[number], z.ZodOptional<z.ZodString>>)
  .meta({ description: 'utm_* parameters, gclid, fbclid, the referrer and the landing page' });
export type Attribution = Partial<Record<(typeof ATTRIBUTION_KEYS)[number], string>>;

// Unknown keys are dropped, not refused: real clients send extra fields (lead_type, company_id…).
export const createLeadBody = z.object(leadFields);
export const updateLeadBody = z.object({
  ...leadFields,
  ai_enabled: z.boolean().optional(),
  agent_paused: z
    .boolean()
    .optional()
    .meta({ description: 'true: a person takes over from the lead agent ("Take over"); false: hands the lead back to it' }),
});
export type CreateLeadInput = z.output<typeof createLeadBody>;
export type UpdateLeadInput = z.output<typeof updateLeadBody>;

export const listLeadsQuery = paginationQuery.extend({
  stage: pipelineStage.optional().meta({ description: 'Only leads in this pipeline stage' }),
  ai_status: aiStatus.optional().meta({ description: 'Only leads with this AI status' }),
  search: z
    .string()
    .trim()
    .max(STRING_LIMITS.search)
    .optional()
    .meta({ description: 'Case-insensitive part of the name, email or phone (any phone format)' }),
});
export type ListLeadsQuery = z.output<typeof listLeadsQuery>;

export const leadIdParams = z.object({ id: z.string() });

export const lead = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable().meta({ example: '+61412345678' }),
    pipeline_stage: pipelineStage,
    ai_status: aiStatus,
    ai_score: z.number().int().min(0).max(100),
    ai_summary: z.string().nullable(),
    ai_enabled: z.boolean(),
    ai_score_reason: z.string().nullable().meta({ description: "Why the agent scored the lead as it did" }),
    qualification: z.record(z.string(), z.unknown()).meta({ description: 'What the agent has gathered from the lead (its answers) and where it is in its script' }),
    agent_paused: z.boolean().meta({ description: 'A person has taken over, or the agent handed the lead over: the agent does not text the lead until handed back' }),
    agent_paused_reason: z.string().nullable(),
    source: z.string().nullable(),
    service_type: z.string().nullable(),
    notes: z.string().nullable(),
    address: z.string().nullable(),
    postcode: z.string().nullable(),
    value: z.number().nullable(),
    custom_data: z.record(z.string(), z.unknown()),
    metadata: z.record(z.string(), z.unknown()),
    sms_opted_out: z.boolean(),
    external_id: z.string().nullable(),
    attribution: z.record(z.string(), z.string()).nullable().meta({ description: 'Where the lead first came from (utm_*, gclid, fbclid, referrer, landing_page); null: not known' }),
    auto_text_held: z
      .enum(AUTO_TEXT_HOLDS)
      .nullable()
      .meta({ description: "Why the automatic first text (instant reply, agent greeting) was held for a person: unverified (the form's captcha could not be checked), form_cap (the form's hourly cap), import (an old contact brought over by a CSV import); null: not held" }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Lead' });
export type Lead = z.infer<typeof lead>;

/** The answer of every route that returns one lead. */
export const leadAnswer = z.object({ data: lead });

/** POST /v1/leads/upsert and each item of a batch: a lead, with where it came from. */
export const upsertLeadBody = createLeadBody.extend({ attribution: attributionBody.optional() });
export type UpsertLeadInput = z.output<typeof upsertLeadBody>;

const matchedBy = z.enum(['external_id', 'phone', 'email']).nullable();

export const upsertAnswer = z.object({
  data: lead,
  deduplicated: z.boolean().meta({ description: 'true: recorded on a lead that was already there (200); false: a new lead (201)' }),
  matched_by: matchedBy.meta({ description: 'What matched the lead already there: external_id, phone or email; null when created' }),
});

export const BATCH_LIMIT = 500;
export const batchLeadsBody = z.object({
  leads: z
    .array(z.unknown())
    .min(1, 'must hold at least one lead')
    .max(BATCH_LIMIT, `must hold at most ${BATCH_LIMIT} leads`)
    .meta({ description: `Up to ${BATCH_LIMIT} leads, each as POST /v1/leads/upsert takes it; each item succeeds or fails on its own` }),
});

export const batchItemResult = z.object({
  index: z.number().int().meta({ description: 'The item’s place in `leads`, from 0' }),
  status: z.enum(['created', 'updated', 'error']),
  id: z.uuid().nullable().meta({ description: 'The lead created or updated; null on error' }),
  matched_by: matchedBy,
  error: z.string().nullable().meta({ description: 'What is wrong with the item, naming the field' }),
  field: z.string().nullable(),
});
export type BatchItemResult = z.infer<typeof batchItemResult>;
export const batchAnswer = z.object({
  data: z.array(batchItemResult),
  created: z.number().int(),
  updated: z.number().int(),
  errors: z.number().int(),
});

export const submission = z
  .object({
    id: z.uuid(),
    lead_id: z.uuid(),
    channel: z.enum(['intake', 'upsert', 'batch', 'import']),
    matched_by: matchedBy,
    source: z.string().nullable(),
    attribution: z.record(z.string(), z.string()).nullable(),
    fields: z.record(z.string(), z.unknown()).meta({ description: 'The fields as they were sent' }),
    created_at: timestamp,
  })
  .meta({ id: 'LeadSubmission' });
export type Submission = z.infer<typeof submission>;
