import { z } from 'zod';
import { ROLES } from '../../db/schema/index.js';

const email = z
  .email({ error: 'must be a valid email address' })
  .max(320)
  .transform((e) => e.toLowerCase());
// Long passphrases welcome; the upper bound only keeps hashing time bounded.
const password = z.string().min(10, { error: 'must be at least 10 characters' }).max(200);
const personName = z.string().trim().min(1).max(200);

export const signupBody = z.object({
  company_name: z.string().trim().min(1).max(200),
  name: personName,
  email,
  password,
});
export type SignupInput = z.output<typeof signupBody>;

export const loginBody = z.object({
  email: z.string().trim().min(1).max(320).transform((e) => e.toLowerCase()),
  password: z.string().min(1).max(1000),
});
export type LoginInput = z.output<typeof loginBody>;

export const acceptInviteBody = z.object({ name: personName, email, password });
export type AcceptInviteInput = z.output<typeof acceptInviteBody>;

export const createInviteBody = z.object({
  role: z.enum(['admin', 'member']),
  // Emailed the link too, when the server has an SMTP relay.
  email: z.email('must be an email address').max(254).transform((e) => e.toLowerCase()).optional(),
});

export const teamView = z.object({
  users: z.array(
    z.object({ id: z.uuid(), name: z.string(), email: z.string(), role: z.enum(ROLES), created_at: z.string() }),
  ),
  invites: z.array(
    z.object({ id: z.uuid(), role: z.string(), email: z.string().nullable(), email_status: z.string().nullable(), created_at: z.string(), expires_at: z.string() }),
  ),
});

export type TeamView = z.infer<typeof teamView>;

export const createdInvite = z.object({
  id: z.uuid(),
  role: z.string(),
  expires_at: z.string(),
  url: z.string(),
  email: z.string().nullable(),
  email_status: z.string().nullable(),
});
export type CreatedInvite = z.infer<typeof createdInvite>;
export const inviteInfo = z.object({ company_name: z.string(), role: z.string() });
export const idParams = z.object({ id: z.string() });
export const tokenParams = z.object({ token: z.string() });

// The profile (/app/api/me): the user's own name, email and password. A change of email or password
// needs the current password, so a session left open on a shared computer cannot take the account.
const currentPassword = z.string().min(1, { error: 'is required' }).max(1000);
export const profileBody = z.object({ name: personName });
export const emailChangeBody = z.object({ email, current_password: currentPassword });
export type EmailChangeInput = z.output<typeof emailChangeBody>;
export const passwordChangeBody = z.object({ current_password: currentPassword, new_password: password });
export type PasswordChangeInput = z.output<typeof passwordChangeBody>;
export const sessionsView = z.object({ sessions: z.number().int(), ended: z.number().int().optional() });

