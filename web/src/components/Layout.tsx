import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { Link, NavLink, Outlet, useNavigate } from 'react-router';
import { api, useMe, useSettings } from '../api';
import { closeLiveStream } from '../live';
import { Bell } from '../pages/alerts/Bell';
import { UnreadCount } from '../pages/inbox/UnreadCount';
import { LINKS } from './navLinks';
import { PhoneNav } from './PhoneNav';
import { isManager } from './RequireAuth';
import './phone.css';
import { ConnectionBanner } from './Retry';

export default function Layout() {
  const { me } = useMe();
  const settings = useSettings();
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [leaving, setLeaving] = useState(false);

  async function logOut() {
    setLeaving(true);
    try {
      await api('/app/api/logout', { method: 'POST' });
    } catch {
      // The session may already be gone; leaving is what the user asked for either way.
    }
    // The stream would end at its next heartbeat anyway; ended now, it cannot reconnect as nobody.
    closeLiveStream();
    queryClient.clear();
    queryClient.setQueryData(['me'], null);
    navigate('/login', { replace: true });
  }

  const links = LINKS.filter((l) => !l.managers || isManager(me?.user.role));
  const logOutButton = (
    <button type="button" className="btn btn-secondary btn-small" onClick={logOut} disabled={leaving}>
      Log out
    </button>
  );
  return (
    <div className="shell">
      <a className="skip-link" href="#main">Skip to content</a>
      <header className="topbar">
        <span className="brand">QuoteLeads</span>
        <span className="topbar-company">{me?.company.name}</span>
        <Link className="topbar-user" to="/profile" title="Your profile" style={{ color: '#e2e8f0' }}>
          {me?.user.name} <span className="role-badge">{me?.user.role}</span>
        </Link>
        <Bell />
        <span className="topbar-logout">{logOutButton}</span>
      </header>
      <div className="shell-body">
        <nav className="sidenav" aria-label="Main">
          <ul>
            {links.map((l) => (
              <li key={l.to}>
                <NavLink to={l.to} end={l.end}>
                  {l.label}
                  {l.to === '/inbox' && <UnreadCount />}
                </NavLink>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="content" tabIndex={-1}>
          <ConnectionBanner />
          {settings.data?.sms_paused && <SmsPausedBanner />}
          <Outlet />
        </main>
      </div>
      <PhoneNav
        links={links}
        inboxBadge={<UnreadCount className="bottomnav-badge" />}
        account={
          <>
            <p className="more-user">
              {me?.user.name} <span className="role-badge">{me?.user.role}</span>
              <span className="more-company">{me?.company.name}</span>
            </p>
            {logOutButton}
          </>
        }
      />
    </div>
  );
}

/** On every page while the company's SMS is paused, since nothing else would say why no texts go out. */
function SmsPausedBanner() {
  return (
    <p className="alert alert-warning" data-testid="sms-paused-banner">
      <strong>SMS is paused:</strong> no texts go out (instant replies, follow-ups, quotes, messages sent here or through the
      API) until it is switched back on in <Link to="/settings">Settings</Link>.
    </p>
  );
}
