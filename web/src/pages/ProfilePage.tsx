// The user's own profile: name, email, password, and the sessions of this account elsewhere.
// Email and password need the current password (docs/dashboard.md, "Profile").
import { useState, type FormEvent, type ReactNode } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useMe, type Me } from '../api';
import { Field, FormError } from '../components/forms';
import { useTitle } from '../components/useTitle';
import { formatNumber } from '../components/dates';

type Sessions = { sessions: number; ended?: number };

export default function ProfilePage() {
  useTitle('Profile');
  const { me } = useMe();
  if (!me) return null;
  return (
    <>
      <h1>Profile</h1>
      <NameForm me={me} />
      <EmailForm me={me} />
      <PasswordForm />
      <OtherSessions />
    </>
  );
}

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section className="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}

/** A profile change: its answer becomes who the dashboard says is logged in. */
function useProfileChange<B>(path: string, method: 'PATCH' | 'PUT') {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: B) => api<Me>(path, { method, body }),
    onSuccess: (session) => queryClient.setQueryData(['me'], session),
  });
}

function NameForm({ me }: { me: Me }) {
  const [name, setName] = useState(me.user.name);
  const save = useProfileChange<{ name: string }>('/app/api/me', 'PATCH');
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ name });
  }
  return (
    <Section id="name-title" title="Your name">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={save.error} />
        <Field label="Name" autoComplete="name" required value={name} onChange={(e) => (save.reset(), setName(e.target.value))} error={fieldErrors(save.error).name} hint="Shown to your team, and on what you send." />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Save name
          </button>
          <span role="status">{save.isSuccess ? 'Name saved.' : ''}</span>
        </div>
      </form>
    </Section>
  );
}

function EmailForm({ me }: { me: Me }) {
  const [email, setEmail] = useState(me.user.email);
  const [password, setPassword] = useState('');
  const save = useProfileChange<{ email: string; current_password: string }>('/app/api/me/email', 'PUT');
  const errors = fieldErrors(save.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ email, current_password: password }, { onSuccess: () => setPassword('') });
  }
  return (
    <Section id="email-title" title="Email">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={save.error} />
        <Field label="Email" type="email" autoComplete="email" required value={email} onChange={(e) => (save.reset(), setEmail(e.target.value))} error={errors.email} hint="You log in with it." />
        <Field
          label="Current password"
          id="email-current-password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => (save.reset(), setPassword(e.target.value))}
          error={errors.current_password}
        />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Change email
          </button>
          <span role="status">{save.isSuccess ? `Email changed to ${save.data.user.email}.` : ''}</span>
        </div>
      </form>
    </Section>
  );
}

function PasswordForm() {
  const queryClient = useQueryClient();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const save = useMutation({
    mutationFn: () => api<Sessions>('/app/api/me/password', { method: 'PUT', body: { current_password: current, new_password: next } }),
    onSuccess: () => {
      setCurrent('');
      setNext('');
      void queryClient.invalidateQueries({ queryKey: ['my-sessions'] });
    },
  });
  const errors = fieldErrors(save.error);
  function submit(e: FormEvent) {
    e.preventDefault();
    save.mutate();
  }
  const ended = save.data?.ended ?? 0;
  return (
    <Section id="password-title" title="Password">
      <form className="form" onSubmit={submit} noValidate>
        <FormError error={save.error} />
        <Field
          label="Current password"
          id="password-current-password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onChange={(e) => (save.reset(), setCurrent(e.target.value))}
          error={errors.current_password}
        />
        <Field
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          value={next}
          onChange={(e) => (save.reset(), setNext(e.target.value))}
          error={errors.new_password}
          hint="At least 10 characters. Changing it logs you out everywhere else."
        />
        <div className="actions">
          <button type="submit" className="btn btn-primary" disabled={save.isPending}>
            Change password
          </button>
          <span role="status">
            {save.isSuccess ? `Password changed.${ended ? ` Logged out of ${formatNumber(ended)} other session${ended === 1 ? '' : 's'}.` : ''}` : ''}
          </span>
        </div>
      </form>
    </Section>
  );
}

function OtherSessions() {
  const queryClient = useQueryClient();
  const sessions = useQuery({ queryKey: ['my-sessions'], queryFn: () => api<Sessions>('/app/api/me/sessions') });
  const end = useMutation({
    mutationFn: () => api<Sessions>('/app/api/me/sessions/end-others', { method: 'POST' }),
    onSuccess: (s) => queryClient.setQueryData(['my-sessions'], { sessions: s.sessions }),
  });
  const others = sessions.data ? sessions.data.sessions - 1 : undefined;
  return (
    <Section id="sessions-title" title="Other sessions">
      <FormError error={sessions.error ?? end.error} />
      <p data-testid="other-sessions">
        {others === undefined
          ? 'Loading…'
          : others === 0
            ? 'You are logged in only here.'
            : `You are also logged in on ${formatNumber(others)} other browser${others === 1 ? '' : 's'} or device${others === 1 ? '' : 's'}.`}
      </p>
      <div className="actions">
        <button type="button" className="btn btn-secondary" onClick={() => end.mutate()} disabled={end.isPending || !others}>
          Log out of other sessions
        </button>
        <span role="status">{end.isSuccess ? `Logged out of ${formatNumber(end.data.ended ?? 0)} other session${end.data.ended === 1 ? '' : 's'}.` : ''}</span>
      </div>
    </Section>
  );
}
