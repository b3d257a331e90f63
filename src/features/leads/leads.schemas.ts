import { z } from 'zod';
import { optionalText, jsonObject, timestamp } from '../../http/schema-fields.js';
import { AI_STATUSES, PIPELINE_STAGES } from '../../db/schema/index.js';
import { paginationQuery } from '../../http/pagination.js';

const STRING_LIMITS = { name: 500, email: 254, notes: 10_000, search: 100, phone: 50 } as const;

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
};

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
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Lead' });
export type Lead = z.infer<typeof lead>;

/** The answer of every route that returns one lead. */
export const leadAnswer = z.object({ data: lead });
