import { z } from 'zod';
import { ALERT_CHANNELS, ALERT_KINDS } from '../../db/schema/index.js';

export const notificationsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  unread: z.enum(['true', 'false']).optional(),
  // The id of the last alert of the page before: the next page starts after it.
  before: z.uuid().optional(),
});

export const markReadBody = z.union([
  z.object({ ids: z.array(z.uuid()).min(1).max(500) }).strict(),
  z.object({ all: z.literal(true) }).strict(),
]);

const channelChoice = z.boolean().nullable();
const kindChoice = z
  .object(Object.fromEntries(ALERT_CHANNELS.map((c) => [c, channelChoice.optional()])) as Record<(typeof ALERT_CHANNELS)[number], z.ZodOptional<typeof channelChoice>>)
  .strict();

/** PATCH /app/api/me/notifications: per kind and channel, on, off, or null (back to the role's default). */
export const alertPrefsBody = z
  .object({
    kinds: z.object(Object.fromEntries(ALERT_KINDS.map((k) => [k, kindChoice.optional()])) as Record<(typeof ALERT_KINDS)[number], z.ZodOptional<typeof kindChoice>>).strict(),
  })
  .strict();
export type AlertPrefsInput = z.infer<typeof alertPrefsBody>;
