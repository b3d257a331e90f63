import { Link, useParams, useSearchParams } from 'react-router';
import { useQuery } from '@tanstack/react-query';
import { api, useSettings } from '../../api';
import { useTitle } from '../../components/useTitle';
import { QUOTE_EVENTS, useLiveRefetch } from '../../live';
import { QuoteForm } from './QuoteForm';
import { QuoteView } from './QuoteView';
import type { One, Quote } from './types';
import { ErrorBanner } from './ui';


export default function QuoteEditorPage() {
  const { id } = useParams();
  const [params] = useSearchParams();
  const settings = useSettings();
  const quote = useQuery({
    queryKey: ['quote', id],
    queryFn: () => api<One<Quote>>(`/v1/quotes/${id}`).then((r) => r.data),
    enabled: !!id,
  });
  // The customer's view, acceptance or decline flips the open page.
  useLiveRefetch(QUOTE_EVENTS, ['quote', id]);
  useTitle(id ? (quote.data ? `Quote ${quote.data.quote_number}` : 'Quote') : 'New quote');

  const error = quote.error ?? settings.error;
  if (error) {
    return (
      <div className="crm-page">
        <h1>{id ? 'Quote' : 'New quote'}</h1>
        <ErrorBanner error={error} />
        <Link to="/quotes">Back to quotes</Link>
      </div>
    );
  }
  if (!settings.data || (id && !quote.data)) {
    return (
      <div className="crm-page">
        <h1>{id ? 'Quote' : 'New quote'}</h1>
        <p className="crm-muted">Loading…</p>
      </div>
    );
  }
  // Only drafts can change (PATCH answers 409 otherwise): a sent quote is shown read-only.
  if (quote.data && quote.data.status !== 'draft') return <QuoteView quote={quote.data} />;
  return <QuoteForm key={quote.data?.id ?? 'new'} quote={quote.data} settings={settings.data} initialLeadId={params.get('lead_id') ?? ''} />;
}
