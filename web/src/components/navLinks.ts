/** The dashboard's places: the side menu shows them all; a phone's bottom bar the first few, and More the rest. */
export type NavItem = { to: string; label: string; managers?: true; end?: true };

export const LINKS: NavItem[] = [
  { to: '/', label: 'Home', end: true },
  { to: '/inbox', label: 'Inbox' },
  { to: '/leads', label: 'Leads' },
  { to: '/board', label: 'Board' },
  { to: '/quotes', label: 'Quotes' },
  { to: '/appointments', label: 'Appointments' },
  { to: '/price-book', label: 'Price book' },
  { to: '/agent', label: 'Agent', managers: true },
  { to: '/automations', label: 'Automations', managers: true },
  { to: '/integrations', label: 'Integrations', managers: true },
  { to: '/team', label: 'Team', managers: true },
  { to: '/settings', label: 'Settings' },
];

/** What a phone's bottom bar holds besides More: the places an owner goes to many times a day. */
export const BOTTOM_LINKS: NavItem[] = [
  { to: '/', label: 'Home', end: true },
  { to: '/inbox', label: 'Inbox' },
  { to: '/leads', label: 'Leads' },
  { to: '/appointments', label: 'Agenda' },
];
