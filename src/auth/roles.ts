import type { Role } from '../db/schema/index.js';
import { ALL_SCOPES, type Scope } from './scopes.js';

/** What only owners and admins may do: webhooks, the company's settings, the lead agent, web forms (they spend SMS credits). */
export const MANAGER_SCOPES: readonly Scope[] = ['webhooks:manage', 'company:manage', 'agent:manage', 'intake:manage'];

/** What a dashboard user may do on /v1: a fixed set of scopes per role. */
const MEMBER_SCOPES = ALL_SCOPES.filter((s) => !MANAGER_SCOPES.includes(s));

export function scopesOfRole(role: Role): readonly Scope[] {
  return role === 'member' ? MEMBER_SCOPES : ALL_SCOPES;
}

/** Keys, webhooks, the team and the settings are managed by owners and admins only. */
export const canManage = (role: Role) => role === 'owner' || role === 'admin';
