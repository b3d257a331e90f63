import { useSearchParams } from 'react-router';
import { useCompanyZone } from '../../api';
import { useTitle } from '../../components/useTitle';
import { ErrorBanner, PageHead } from '../crm/ui';
import { ConversationItem } from './ConversationItem';
import { useInbox, type InboxFilter } from './inbox-api';
import './inbox.css';

const FILTERS: { value: InboxFilter; label: string }[] = [
  { value: undefined, label: 'All' },
  { value: 'needs_reply', label: 'Needs a reply' },
  { value: 'unread', label: 'Unread' },
];

/** The Inbox (/app/inbox): every conversation, newest first, live; opening one (the lead's page) reads it. */
export default function InboxPage() {
  useTitle('Inbox');
  const zone = useCompanyZone();
  // The filter lives in the address, so Home's "waiting" link and Back land on it.
  const [params, setParams] = useSearchParams();
  const filter = (FILTERS.find((f) => f.value === params.get('filter'))?.value ?? undefined) as InboxFilter;
  const { query, conversations } = useInbox(filter);

  return (
    <div className="crm-page">
      <PageHead title="Inbox" subtitle="Conversations with your leads, newest first" />
      <div className="inbox-filters" role="group" aria-label="Show">
        {FILTERS.map((f) => (
          <button
            key={f.label}
            type="button"
            className={`crm-btn crm-btn-small${f.value === filter ? ' crm-btn-primary' : ''}`}
            aria-pressed={f.value === filter}
            onClick={() => setParams(f.value ? { filter: f.value } : {}, { replace: true })}
          >
            {f.label}
          </button>
        ))}
      </div>
      <ErrorBanner error={query.error} />
      {query.isLoading && <p className="crm-muted">Loading…</p>}
      {query.isSuccess && conversations.length === 0 && (
        <p className="crm-muted">{filter === 'needs_reply' ? 'Nobody is waiting for a reply.' : filter === 'unread' ? 'Nothing unread.' : 'No conversations yet.'}</p>
      )}
      {conversations.length > 0 && (
        <ul className="inbox-list" aria-label="Conversations">
          {conversations.map((c) => (
            <ConversationItem key={c.lead_id} c={c} zone={zone} />
          ))}
        </ul>
      )}
      {query.hasNextPage && (
        <button type="button" className="crm-btn inbox-more" onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
          {query.isFetchingNextPage ? 'Loading…' : 'Load more'}
        </button>
      )}
    </div>
  );
}
