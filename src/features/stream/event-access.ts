import type { Role } from '../../db/schema/index.js';
import { canManage, scopesOfRole } from '../../auth/roles.js';
import type { Scope } from '../../auth/scopes.js';
import type { EventType } from '../events/events.js';

/**
 * The /v1 scope that reads each event's resource. A dashboard user hears an event on the live stream
 * when their role has that scope, so the stream never tells anyone more than /v1 would.
 */
export const EVENT_READ_SCOPE: Record<EventType, Scope> = {
  'lead.created': 'leads:read',
  'lead.updated': 'leads:read',
  'lead.deleted': 'leads:read',
  'sale.completed': 'leads:read',
  'quote.sent': 'quotes:read',
  'quote.viewed': 'quotes:read',
  'quote.accepted': 'quotes:read',
  'quote.declined': 'quotes:read',
  'appointment.booked': 'appointments:read',
  'appointment.updated': 'appointments:read',
  'sms.received': 'sms:read',
  'sms.sent': 'sms:read',
  'agent.handed_off': 'leads:read',
  'sms.credits_low': 'sms:read',
};

const isKnownType = (t: string): t is EventType => Object.prototype.hasOwnProperty.call(EVENT_READ_SCOPE, t);

/**
 * Whether a user of `role` hears events of `eventType`. A type this version does not know (written
 * by a newer version during a rolling deploy) goes to owners and admins only, who may read everything.
 */
export function roleHears(role: Role, eventType: string): boolean {
  if (!isKnownType(eventType)) return canManage(role);
  return scopesOfRole(role).includes(EVENT_READ_SCOPE[eventType]);
}
