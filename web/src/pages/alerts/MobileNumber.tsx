import { useState, type FormEvent } from 'react';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useCompanyZone } from '../../api';
import { formatPhone, formatTime } from '../../components/dates';
import { Field, FormError } from '../../components/forms';
import { ALERT_PREFERENCES_KEY } from './alerts-api';

// PUT /app/api/me/mobile texts a 6-digit code to the number; POST …/verify takes it back.
type MobileAnswer = { mobile: string; mobile_verified: boolean; code_expires_at?: string };

/**
 * The user's mobile for SMS alerts: a number, then the code texted to it, then verified. Shown as the
 * alert choices have it (`channels.sms`), which every step reads again.
 */
export function MobileNumber({ mobile, verified }: { mobile: string | null; verified: boolean }) {
  const queryClient = useQueryClient();
  const zone = useCompanyZone();
  const [changing, setChanging] = useState(false);
  const [number, setNumber] = useState('');
  const [code, setCode] = useState('');
  const [expires, setExpires] = useState<string | null>(null);
  const reread = () => queryClient.invalidateQueries({ queryKey: ALERT_PREFERENCES_KEY });

  const send = useMutation({
    mutationFn: (m: string) => api<MobileAnswer>('/app/api/me/mobile', { method: 'PUT', body: { mobile: m } }),
    onSuccess: async (a) => {
      setExpires(a.code_expires_at ?? null);
      setCode('');
      setChanging(false);
      verify.reset();
      await reread();
    },
  });
  const verify = useMutation({
    mutationFn: (c: string) => api<MobileAnswer>('/app/api/me/mobile/verify', { body: { code: c } }),
    onSuccess: async () => {
      setExpires(null);
      await reread();
    },
  });
  const remove = useMutation({
    mutationFn: () => api<void>('/app/api/me/mobile', { method: 'DELETE' }),
    onSuccess: async () => {
      setNumber('');
      setExpires(null);
      await reread();
    },
  });
  const busy = send.isPending || verify.isPending || remove.isPending;

  if (!mobile || changing) {
    const submit = (e: FormEvent) => {
      e.preventDefault();
      send.mutate(number.trim());
    };
    return (
      <form className="mobile-form" onSubmit={submit} noValidate>
        <FormError error={send.error} />
        <Field
          label="Mobile number"
          type="tel"
          autoComplete="tel"
          value={number}
          onChange={(e) => setNumber(e.target.value)}
          error={fieldErrors(send.error).mobile}
          hint="We text a 6-digit code to it, to be sure it is yours."
        />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={busy || number.trim() === ''}>
            {send.isPending ? 'Sending…' : 'Send code'}
          </button>
          {changing && (
            <button type="button" className="btn btn-secondary" onClick={() => setChanging(false)} disabled={busy}>
              Cancel
            </button>
          )}
        </div>
      </form>
    );
  }

  const actions = (
    <>
      <button type="button" className="btn btn-secondary btn-small" onClick={() => setChanging(true)} disabled={busy}>
        Change number
      </button>
      <button type="button" className="btn btn-secondary btn-small" onClick={() => remove.mutate()} disabled={busy}>
        {remove.isPending ? 'Removing…' : 'Remove'}
      </button>
    </>
  );

  if (verified) {
    return (
      <div className="mobile-form">
        <FormError error={remove.error} />
        <p className="small" role="status">
          <strong>{formatPhone(mobile)}</strong> <span className="badge badge-green">Verified</span>
        </p>
        <div className="actions">{actions}</div>
      </div>
    );
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    verify.mutate(code.trim());
  };
  return (
    <form className="mobile-form" onSubmit={submit} noValidate>
      <FormError error={verify.error ?? send.error ?? remove.error} />
      <p className="small" role="status">
        A code was texted to <strong>{formatPhone(mobile)}</strong> <span className="badge badge-amber">Not verified</span>
        {expires && ` It works until ${formatTime(expires, zone)}.`}
      </p>
      <Field
        label="Code"
        inputMode="numeric"
        autoComplete="one-time-code"
        maxLength={6}
        value={code}
        onChange={(e) => setCode(e.target.value)}
        error={fieldErrors(verify.error).code}
      />
      <div className="actions">
        <button type="submit" className="btn btn-primary" disabled={busy || code.trim() === ''}>
          {verify.isPending ? 'Verifying…' : 'Verify'}
        </button>
        <button type="button" className="btn btn-secondary btn-small" onClick={() => send.mutate(mobile)} disabled={busy}>
          Send a new code
        </button>
        {actions}
      </div>
    </form>
  );
}
