import { useEffect, useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useLocation } from 'react-router';
import { api, fieldErrors, SETTINGS_KEY, useMe, useSettings } from '../../api';
import { isManager } from '../../components/RequireAuth';
import { Field, FormError } from '../../components/forms';
import type { Settings } from '../crm/types';
import { ALERT_PREFERENCES_KEY, CHANNELS, useAlertPreferences, type AlertChannel, type AlertKindRow, type AlertPreferences } from './alerts-api';
import { MobileNumber } from './MobileNumber';
import './alerts.css';

type Choice = { kind: string; channel: AlertChannel; value: boolean | null };

/**
 * Settings → Alerts (`#alerts`, where alert emails link): the user's own choice of alert per kind and
 * channel, whatever their role, their mobile for SMS alerts, and for owners and admins the company's
 * low-credits threshold.
 */
export function AlertSettings() {
  const queryClient = useQueryClient();
  const prefs = useAlertPreferences();
  const { hash } = useLocation();

  // The section appears once its data is in, after the browser looked for the anchor and found nothing.
  useEffect(() => {
    if (hash === '#alerts' && prefs.data) document.getElementById('alerts')?.scrollIntoView();
  }, [hash, prefs.data]);

  // One change at a time, with every switch held meanwhile: each answer is the whole of the choices,
  // so two in flight could come back in either order.
  const [saving, setSaving] = useState<Choice | null>(null);
  const choose = useMutation({
    mutationFn: (c: Choice) =>
      api<AlertPreferences>('/app/api/me/notifications', { method: 'PATCH', body: { kinds: { [c.kind]: { [c.channel]: c.value } } } }),
    onMutate: (c) => setSaving(c),
    onSuccess: (p) => queryClient.setQueryData(ALERT_PREFERENCES_KEY, p),
    onSettled: () => setSaving(null),
  });

  const p = prefs.data;
  return (
    <section className="card" id="alerts" aria-labelledby="alerts-title">
      <h2 id="alerts-title">Alerts</h2>
      <p className="muted small">
        What you are told of, and how. These are your own choices; everyone else in the team makes theirs. A switch left at
        its default follows your role&apos;s.
      </p>
      <FormError error={prefs.error} />
      {prefs.isLoading && <p role="status">Loading…</p>}
      {p && (
        <>
          <ChannelNotes channels={p.channels} />
          <FormError error={choose.error} />
          <div className="table-wrap">
            <table className="alert-table">
              <thead>
                <tr>
                  <th scope="col">Alert</th>
                  {CHANNELS.map((c) => (
                    <th scope="col" className="alert-channel" key={c.channel}>
                      {c.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {p.kinds.map((row) => (
                  <tr key={row.kind}>
                    <th scope="row">{row.label}</th>
                    {CHANNELS.map((c) => (
                      <td className="alert-channel" key={c.channel}>
                        <ChoiceCell
                          row={row}
                          channel={c.channel}
                          channelLabel={c.label}
                          available={p.channels[c.channel].available}
                          saving={saving}
                          onChoose={(value) => choose.mutate({ kind: row.kind, channel: c.channel, value })}
                        />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p role="status" className="small">
            {choose.isSuccess ? 'Alerts saved.' : ''}
          </p>
          <h3>Your mobile for SMS alerts</h3>
          <MobileNumber mobile={p.channels.sms.mobile} verified={p.channels.sms.mobile_verified} />
          <LowCredits />
        </>
      )}
    </section>
  );
}

// The server's reasons are sentences, or short phrases ("Twilio not configured") that need a stop.
const sentence = (s: string | null) => (s && !/[.!?]$/.test(s) ? `${s}.` : s);

/** Why a channel's switches are held (email without SMTP, SMS without a verified mobile), and what SMS costs. */
function ChannelNotes({ channels }: { channels: AlertPreferences['channels'] }) {
  return (
    <ul className="alert-channels small">
      <li id="alert-channel-email">
        <strong>Email</strong> — {channels.email.available ? 'alerts go to the address you log in with.' : sentence(channels.email.reason)}
      </li>
      <li id="alert-channel-sms">
        <strong>SMS</strong> — {channels.sms.available ? 'alerts are texted to your verified mobile.' : sentence(channels.sms.reason)} {channels.sms.note}
      </li>
    </ul>
  );
}

type CellProps = {
  row: AlertKindRow;
  channel: AlertChannel;
  channelLabel: string;
  available: boolean;
  saving: Choice | null;
  onChoose: (value: boolean | null) => void;
};

/** One switch: the value in effect, and whether it is the role's default or the user's own choice (with a reset). */
function ChoiceCell({ row, channel, channelLabel, available, saving, onChoose }: CellProps) {
  const mine = saving?.kind === row.kind && saving.channel === channel ? saving : null;
  const chosen = mine ? mine.value : row.chosen[channel];
  const checked = mine ? (mine.value ?? row.defaults[channel]) : row[channel];
  const name = `${row.label}: ${channelLabel}`;
  return (
    <div className="alert-cell">
      <input
        type="checkbox"
        aria-label={name}
        checked={checked}
        disabled={!available || saving !== null}
        aria-describedby={available ? undefined : `alert-channel-${channel}`}
        onChange={(e) => onChoose(e.target.checked)}
      />
      {chosen === null ? (
        <span className="alert-mark">default</span>
      ) : (
        <button
          type="button"
          className="btn-link alert-mark"
          aria-label={`${name}: back to the default (${row.defaults[channel] ? 'on' : 'off'})`}
          disabled={saving !== null}
          onClick={() => onChoose(null)}
        >
          reset
        </button>
      )}
    </div>
  );
}

/** The company's threshold for "SMS credits run low": a company setting, which owners and admins change. */
function LowCredits() {
  const { me } = useMe();
  const canEdit = isManager(me?.user.role);
  const queryClient = useQueryClient();
  const settings = useSettings();
  const [value, setValue] = useState<string | null>(null);
  const save = useMutation({
    mutationFn: (threshold: number) => api<Settings>('/app/api/settings', { method: 'PATCH', body: { low_credits_threshold: threshold } }),
    onSuccess: (s) => {
      queryClient.setQueryData(SETTINGS_KEY, s);
      void queryClient.invalidateQueries({ queryKey: ALERT_PREFERENCES_KEY });
      setValue(null);
    },
  });
  const s = settings.data;
  if (!s) return null;

  function submit(e: FormEvent) {
    e.preventDefault();
    // An emptied field is not 0 ("never"): that is typed, not left blank.
    if (value !== null && value.trim() !== '') save.mutate(Number(value));
  }

  const hint = 'A text that leaves fewer credits than this alerts the team ("SMS credits run low"); 0: never.';
  return (
    <>
      <h3>SMS credits low</h3>
      {canEdit ? (
        <form className="form" onSubmit={submit} noValidate>
          <FormError error={save.error} />
          <Field
            label="Alert when SMS credits fall below"
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            value={value ?? String(s.low_credits_threshold)}
            onChange={(e) => {
              save.reset();
              setValue(e.target.value);
            }}
            error={fieldErrors(save.error).low_credits_threshold}
            hint={hint}
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={value === null || value.trim() === '' || save.isPending}>
              {save.isPending ? 'Saving…' : 'Save threshold'}
            </button>
            <span role="status">{save.isSuccess ? 'Threshold saved.' : ''}</span>
          </div>
        </form>
      ) : (
        <p className="small">
          The team is alerted when a text leaves fewer than <strong>{s.low_credits_threshold}</strong> SMS credits. Owners and
          admins can change this.
        </p>
      )}
    </>
  );
}
