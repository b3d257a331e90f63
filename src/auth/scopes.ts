export const SCOPES = {
  'leads:read': 'List and get leads',
  'leads:write': 'Create, update and delete leads',
  'quotes:read': 'List and get quotes',
  'quotes:write': 'Create, edit and send quotes',
  'sms:send': 'Send SMS to leads',
  'sms:read': "Read leads' conversation threads",
  'appointments:read': 'List and get appointments',
  'appointments:write': 'Book and change appointments',
  'pipeline:read': 'Read the pipeline summary',
  'webhooks:manage': 'Manage webhook endpoints and their deliveries',
  'company:manage': "Change the company's settings (name, timezone, currency, tax, quiet hours)",
  'agent:manage': "Change the lead agent's settings",
  'intake:manage': 'Manage web forms (intake): their public keys, origins and limits',
} as const;

export type Scope = keyof typeof SCOPES;
export const ALL_SCOPES = Object.keys(SCOPES) as Scope[];

/** What a token gets when it is created without an explicit scope list (A2). */
export const DEFAULT_SCOPES: Scope[] = ['leads:read', 'quotes:read', 'appointments:read', 'pipeline:read'];

export function isScope(s: string): s is Scope {
  return Object.prototype.hasOwnProperty.call(SCOPES, s);
}
