// The lead agent on a lead's page: how it scored the lead, what it has gathered, whether it is
// answering, and the one switch anyone on the team has over it: Take over / Hand back.
import { useState } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../api';
// The rules engine stores a timeframe as a bucket; the server's own words for each.
import { TIMEFRAME_LABELS } from '../../../../src/features/agent/understand-timeframe';
import type { Lead, One } from './types';
import { ErrorBanner, StatusBadge, appointmentTypeLabel, humanize } from './ui';
import { formatDateTime } from '../../components/dates';

type Answer = string | number | boolean;
type Offered = { n: number; type: string; start: string };

const STAGE_WORDS: Record<string, string> = {
  asking: 'Asking its questions',
  offering: 'Offering times',
  booked: 'Booked',
  handed_off: 'Handed to a person',
};

/** `qualification` is the engine's own JSON: read only what has the expected shape. */
function readQualification(q: Lead['qualification']) {
  const answers = Object.entries(isRecord(q.answers) ? q.answers : {}).filter((e): e is [string, Answer] =>
    ['string', 'number', 'boolean'].includes(typeof e[1]),
  );
  const offered = (Array.isArray(q.offered) ? q.offered : []).filter(
    (o): o is Offered => isRecord(o) && typeof o.n === 'number' && typeof o.type === 'string' && typeof o.start === 'string',
  );
  return {
    answers,
    offered,
    stage: typeof q.stage === 'string' ? q.stage : undefined,
    handoffReason: typeof q.handoff_reason === 'string' ? q.handoff_reason : undefined,
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function answerText(key: string, value: Answer): string {
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (key === 'timeframe' && typeof value === 'string' && value in TIMEFRAME_LABELS) {
    const label = TIMEFRAME_LABELS[value as keyof typeof TIMEFRAME_LABELS];
    return label.charAt(0).toUpperCase() + label.slice(1);
  }
  return String(value);
}

export function AgentPanel({ lead, zone }: { lead: Lead; zone: string | undefined }) {
  const queryClient = useQueryClient();
  const [said, setSaid] = useState('');
  const toggle = useMutation({
    mutationFn: (paused: boolean) => api<One<Lead>>(`/v1/leads/${lead.id}`, { method: 'PATCH', body: { agent_paused: paused } }),
    onSuccess: (res) => {
      queryClient.setQueryData(['lead', lead.id], res.data);
      void queryClient.invalidateQueries({ queryKey: ['leads'] });
      setSaid(res.data.agent_paused ? 'You have taken over: the agent will not text this lead.' : 'Handed back: the agent answers this lead again.');
    },
  });
  const q = readQualification(lead.qualification);
  const paused = lead.agent_paused;

  return (
    <section className="crm-card crm-agent" aria-labelledby="agent-heading">
      <div className="crm-section-head">
        <h2 id="agent-heading">Agent</h2>
        <span className={`crm-badge ${paused ? 'crm-agent-paused' : 'crm-agent-active'}`} data-testid="agent-state">
          {paused ? 'Paused' : 'Active'}
        </span>
      </div>
      <p className="crm-agent-line">
        {paused ? (
          <>
            The agent is not texting this lead{lead.agent_paused_reason ? `: ${lead.agent_paused_reason}` : ''}.
          </>
        ) : lead.ai_enabled ? (
          'The agent answers this lead’s texts while it is switched on for the company.'
        ) : (
          'AI is switched off for this lead, so the agent does not answer it.'
        )}
      </p>
      <ErrorBanner error={toggle.error} />
      <div className="crm-form-actions">
        {paused ? (
          <button type="button" className="crm-btn crm-btn-primary" disabled={toggle.isPending} onClick={() => toggle.mutate(false)}>
            Hand back
          </button>
        ) : (
          <button type="button" className="crm-btn" disabled={toggle.isPending} onClick={() => toggle.mutate(true)}>
            Take over
          </button>
        )}
        <span className="crm-muted" role="status">
          {toggle.isPending ? 'Saving…' : said}
        </span>
      </div>
      <p className="crm-hint crm-agent-hint">
        {paused
          ? 'Hand back and the agent answers the lead’s next text.'
          : 'Take over to answer the lead yourself; texting them from here takes over too.'}
      </p>

      <dl className="crm-dl crm-agent-dl">
        <dt>AI status</dt>
        <dd>
          <StatusBadge status={lead.ai_status} />
        </dd>
        <dt>Score</dt>
        <dd>{lead.ai_score} / 100</dd>
        {lead.ai_score_reason && (
          <>
            <dt>Why</dt>
            <dd>{lead.ai_score_reason}</dd>
          </>
        )}
        {q.stage && (
          <>
            <dt>Stage</dt>
            <dd>{STAGE_WORDS[q.stage] ?? humanize(q.stage)}</dd>
          </>
        )}
        {q.handoffReason && (
          <>
            <dt>Handed over</dt>
            <dd>{q.handoffReason}</dd>
          </>
        )}
      </dl>
      {lead.ai_summary && (
        <>
          <h3 className="crm-agent-sub">Summary</h3>
          <p>{lead.ai_summary}</p>
        </>
      )}
      <h3 className="crm-agent-sub" id="agent-answers-heading">
        What it gathered
      </h3>
      {q.answers.length === 0 ? (
        <p className="crm-muted">Nothing yet.</p>
      ) : (
        <dl className="crm-dl crm-agent-dl" aria-labelledby="agent-answers-heading" data-testid="agent-answers">
          {q.answers.map(([key, value]) => (
            <div key={key} style={{ display: 'contents' }}>
              <dt>{humanize(key)}</dt>
              <dd>{answerText(key, value)}</dd>
            </div>
          ))}
        </dl>
      )}
      {q.stage === 'offering' && q.offered.length > 0 && (
        <>
          <h3 className="crm-agent-sub" id="agent-offered-heading">
            Times offered
          </h3>
          <ul className="crm-agent-offered" aria-labelledby="agent-offered-heading">
            {q.offered.map((o) => (
              <li key={o.n}>
                {o.n}. {formatDateTime(o.start, zone)} · {appointmentTypeLabel(o.type)}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
