import './inbox.css';
import { useInboxUnread } from './inbox-api';

/** A badge with the user's unread conversations, nothing when there are none (the menu, the bottom bar). */
export function UnreadCount({ className = 'unread-count' }: { className?: string }) {
  const unread = useInboxUnread();
  if (unread === 0) return null;
  return (
    <span className={className} data-testid="inbox-unread">
      {unread > 99 ? '99+' : unread}
      <span className="visually-hidden"> unread</span>
    </span>
  );
}
