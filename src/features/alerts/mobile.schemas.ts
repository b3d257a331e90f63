import { z } from 'zod';

/** PUT /app/api/me/mobile: a mobile as the user types it, read in the company's country. */
export const mobileBody = z.object({ mobile: z.string().min(1).max(50) }).strict();

/** POST /app/api/me/mobile/verify: the six digits texted to it (spaces forgiven, as people type them). */
export const verifyMobileBody = z
  .object({
    code: z
      .string()
      .transform((s) => s.replace(/\s/g, ''))
      .pipe(z.string().regex(/^\d{6}$/, 'must be the 6 digits texted to you')),
  })
  .strict();
