import { useEffect, useState, type ReactNode } from 'react';
import { NavLink, useLocation } from 'react-router';
import { BOTTOM_LINKS, type NavItem } from './navLinks';
import { Sheet } from './Sheet';

// Outline icons on a 24 px grid, drawn with the text's colour; the label says the same in words.
const ICONS: Record<string, string> = {
  '/': 'M3 11 12 4l9 7M5 10v10h5v-6h4v6h5V10',
  '/inbox': 'M3 13h5l1.5 3h5L16 13h5M5 5h14l2 8v6H3v-6z',
  '/leads': 'M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21c0-4 3-6 7-6s7 2 7 6M16 4a4 4 0 0 1 0 7M18 15c2.5.5 4 2.5 4 6',
  '/appointments': 'M4 6h16v15H4zM4 10h16M8 3v5M16 3v5',
  more: 'M5 12h.01M12 12h.01M19 12h.01',
};

function Icon({ name }: { name: string }) {
  return (
    <svg viewBox="0 0 24 24" aria-hidden="true" focusable="false" fill="none" stroke="currentColor" strokeWidth={name === 'more' ? 3.5 : 1.8} strokeLinecap="round" strokeLinejoin="round">
      <path d={ICONS[name]} />
    </svg>
  );
}

const BOTTOM_PATHS = new Set(BOTTOM_LINKS.map((l) => l.to));
const isUnder = (path: string, to: string) => path === to || path.startsWith(`${to}/`);

type Props = {
  /** The places this user may go (the manager-only ones left out for a member). */
  links: NavItem[];
  /**
   * Slot for the Inbox's unread count, shown on the Inbox item (e.g. `<span className="bottomnav-badge">3</span>`);
   * nothing until the Inbox has one.
   */
  inboxBadge?: ReactNode;
  /** Who is signed in and the Log out button: on a phone they live in More, not in the top bar. */
  account: ReactNode;
};

/** A phone's navigation (below 700 px; the CSS hides it above): five places at the bottom of the screen, in reach of a thumb. */
export function PhoneNav({ links, inboxBadge, account }: Props) {
  const [more, setMore] = useState(false);
  const { pathname } = useLocation();
  // Going somewhere from the sheet closes it.
  useEffect(() => setMore(false), [pathname]);

  const rest = links.filter((l) => !BOTTOM_PATHS.has(l.to));
  const inMore = rest.some((l) => isUnder(pathname, l.to));
  return (
    <>
      <nav className="bottomnav" aria-label="Main">
        <ul>
          {BOTTOM_LINKS.map((l) => (
            <li key={l.to}>
              <NavLink to={l.to} end={l.end}>
                <Icon name={l.to} />
                <span className="bottomnav-label">{l.label}</span>
                {l.to === '/inbox' && inboxBadge}
              </NavLink>
            </li>
          ))}
          <li>
            <button type="button" className={inMore ? 'active' : undefined} aria-haspopup="dialog" aria-expanded={more} onClick={() => setMore(true)}>
              <Icon name="more" />
              <span className="bottomnav-label">More</span>
            </button>
          </li>
        </ul>
      </nav>
      <Sheet open={more} onClose={() => setMore(false)} title="More">
        <nav aria-label="More">
          <ul className="more-list">
            {rest.map((l) => (
              <li key={l.to}>
                <NavLink to={l.to} end={l.end}>
                  {l.label}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <div className="more-account">{account}</div>
      </Sheet>
    </>
  );
}
