import { useEffect, useId, useRef, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useCompanyZone } from '../../api';
import { formatAgo, formatDateTime } from '../../components/dates';
import { FormError } from '../../components/forms';
import { useLiveRefetch } from '../../live';
import { ALERT_EVENTS, NOTIFICATIONS_KEY, useMarkRead, useNotifications, type Notification } from './alerts-api';
import './alerts.css';

// An alert's path is the dashboard's full path; the router's own paths leave out its basename.
const routeOf = (path: string) => path.replace(/^\/app(?=\/|$)/, '') || '/';

/**
 * The bell in the top bar: the user's unread count, and their alerts in a popover (a full-width sheet on
 * a phone). Read again when the live stream tells of an event that makes alerts, and when the tab
 * comes back into focus; never on a timer.
 */
export function Bell() {
  const { query, alerts, unread } = useNotifications();
  useLiveRefetch(ALERT_EVENTS, NOTIFICATIONS_KEY);
  const markRead = useMarkRead();
  const navigate = useNavigate();
  const zone = useCompanyZone();
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  const wrap = useRef<HTMLDivElement>(null);
  const panelId = useId();
  const titleId = useId();

  function close(returnFocus = true) {
    setOpen(false);
    if (returnFocus) button.current?.focus();
  }

  useEffect(() => {
    if (!open) return;
    setError(null);
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') close();
    };
    // A click elsewhere closes it, as a menu would; focus stays where the click put it.
    const onPointer = (e: PointerEvent) => {
      if (wrap.current && !wrap.current.contains(e.target as Node)) close(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('pointerdown', onPointer);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('pointerdown', onPointer);
    };
  }, [open]);

  async function run(action: () => Promise<unknown>) {
    setError(null);
    try {
      await action();
    } catch (err) {
      setError(err);
    }
  }

  function follow(alert: Notification) {
    close(false);
    navigate(routeOf(alert.path));
    // The page opens at once; the mark follows, and a failure to mark costs nothing but the dot.
    if (!alert.read) void markRead({ ids: [alert.id] }).catch(() => {});
  }

  const label = unread === 0 ? 'Alerts, none unread' : `Alerts, ${unread} unread`;
  return (
    <div className="bell" ref={wrap}>
      <button
        ref={button}
        type="button"
        className="bell-button"
        aria-label={label}
        aria-haspopup="dialog"
        aria-expanded={open}
        aria-controls={open ? panelId : undefined}
        onClick={() => (open ? close() : setOpen(true))}
      >
        <BellIcon />
        {unread > 0 && (
          <span className="bell-badge" data-testid="bell-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
        )}
      </button>
      {/* In the page only while open: hidden, its words would still be found by a search of the page. */}
      {open && (
        <div
          ref={panel}
          id={panelId}
          className="bell-panel"
          role="dialog"
          aria-labelledby={titleId}
          tabIndex={-1}
        >
          <div className="bell-head">
            <h2 id={titleId}>Alerts</h2>
            <button type="button" className="btn btn-secondary btn-small" onClick={() => run(() => markRead({ all: true }))} disabled={unread === 0}>
              Mark all read
            </button>
            <button type="button" className="btn btn-secondary btn-small" aria-label="Close alerts" onClick={() => close()}>
              ✕
            </button>
          </div>
          <FormError error={error ?? query.error} />
          {query.isLoading && <p className="muted bell-empty">Loading…</p>}
          {query.isSuccess && alerts.length === 0 && (
            <p className="muted bell-empty">No alerts yet. New leads, replies and hand-offs will show here.</p>
          )}
          {alerts.length > 0 && (
            <ul className="bell-list">
              {alerts.map((a) => (
                <li key={a.id}>
                  <a
                    href={a.path}
                    className={a.read ? 'bell-item' : 'bell-item bell-unread'}
                    onClick={(e) => {
                      // A modified click opens a new tab as a link does; a plain one stays in the app.
                      if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
                      e.preventDefault();
                      follow(a);
                    }}
                  >
                    <span className="bell-title">
                      {!a.read && <span className="visually-hidden">Unread: </span>}
                      {a.title}
                    </span>
                    <span className="bell-body">{a.body}</span>
                    <time className="bell-time" dateTime={a.created_at} title={formatDateTime(a.created_at, zone)}>
                      {formatAgo(a.created_at, zone)}
                    </time>
                  </a>
                </li>
              ))}
            </ul>
          )}
          <div className="bell-foot">
            {query.hasNextPage && (
              <button type="button" className="btn btn-secondary btn-small" onClick={() => query.fetchNextPage()} disabled={query.isFetchingNextPage}>
                {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
              </button>
            )}
            <Link to="/settings#alerts" onClick={() => close(false)}>
              Choose your alerts
            </Link>
          </div>
        </div>
      )}
    </div>
  );
}

function BellIcon() {
  return (
    <svg width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round" aria-hidden="true" focusable="false">
      <path d="M18 8a6 6 0 0 0-12 0c0 7-3 9-3 9h18s-3-2-3-9" />
      <path d="M13.73 21a2 2 0 0 1-3.46 0" />
    </svg>
  );
}
