// A lead's follow-ups on its page: what the sequences have planned, sent or skipped and why, and a
// Cancel for each step still scheduled (GET and DELETE /v1/leads/:id/follow-ups).
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from 'react-router';
import { api } from '../../api';
import { formatDateTime } from '../../components/dates';
import type { Lead } from './types';
import { ErrorBanner, StatusBadge, humanize } from './ui';

type FollowUp = {
  id: string;
  sequence: 'lead_nurture' | 'quote_chase' | 'appointment_reminder' | 'review_request';
  step: number;
  text: string;
  due_at: string;
  status: 'scheduled' | 'sent' | 'skipped' | 'cancelled' | 'failed';
  reason: string | null;
  finished_at: string | null;
};

const SEQUENCE: Record<FollowUp['sequence'], string> = {
  lead_nurture: 'New lead follow-up',
  quote_chase: 'Quote chase',
  appointment_reminder: 'Appointment reminder',
  review_request: 'Review request',
};

export function FollowUpsPanel({ lead, zone }: { lead: Lead; zone: string | undefined }) {
  const queryClient = useQueryClient();
  const key = ['follow-ups', lead.id];
  const steps = useQuery({ queryKey: key, queryFn: () => api<{ data: FollowUp[] }>(`/v1/leads/${lead.id}/follow-ups`).then((r) => r.data) });
  const cancel = useMutation({
    mutationFn: (id: string) => api(`/v1/leads/${lead.id}/follow-ups/${id}`, { method: 'DELETE' }),
    onSettled: () => queryClient.invalidateQueries({ queryKey: key }),
  });
  return (
    <section className="crm-card" aria-labelledby="follow-ups-heading">
      <div className="crm-section-head">
        <h2 id="follow-ups-heading">Follow-ups</h2>
        <Link className="crm-btn crm-btn-small" to="/automations">
          Sequences
        </Link>
      </div>
      <ErrorBanner error={steps.error ?? cancel.error} />
      {steps.data?.length === 0 && <p className="crm-muted">Nothing planned for this lead.</p>}
      {steps.data && steps.data.length > 0 && (
        <ul className="crm-list">
          {steps.data.map((f) => (
            <li key={f.id} data-testid="follow-up">
              <span>
                <strong>{formatDateTime(f.status === 'scheduled' ? f.due_at : (f.finished_at ?? f.due_at), zone)}</strong> · {SEQUENCE[f.sequence]}, step {f.step}
                {f.reason && <span className="crm-muted"> ({humanize(f.reason)})</span>}
              </span>
              <span>
                <StatusBadge status={f.status} />
                {f.status === 'scheduled' && (
                  <button
                    type="button"
                    className="crm-btn crm-btn-small"
                    disabled={cancel.isPending}
                    onClick={() => cancel.mutate(f.id)}
                    aria-label={`Cancel ${SEQUENCE[f.sequence]} step ${f.step}`}
                  >
                    Cancel
                  </button>
                )}
              </span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
