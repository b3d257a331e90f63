import { z } from 'zod';

// A page ends at a conversation's newest item and lead: `<ISO time>_<lead id>`, as next_before says.
const CURSOR = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

export const inboxQuery = z.object({
  filter: z.enum(['needs_reply', 'unread']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(30),
  before: z
    .string()
    .regex(CURSOR, 'must be the next_before of the page before')
    .transform((s) => {
      const [, at, leadId] = CURSOR.exec(s)!;
      return { at: new Date(at), leadId };
    })
    .refine((c) => !Number.isNaN(c.at.getTime()), 'must be the next_before of the page before')
    .optional(),
});
export type InboxQuery = z.infer<typeof inboxQuery>;

export const cursorOf = (at: Date, leadId: string) => `${at.toISOString()}_${leadId}`;

export const leadParams = z.object({ lead_id: z.uuid() });
