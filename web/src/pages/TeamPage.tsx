import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, useMe, useCompanyZone } from '../api';
import { ConfirmDialog, CopyButton, FormError } from '../components/forms';
import { ACTIONS, Table } from '../components/Table';
import { EmailLink } from '../components/Contact';
import { useConfirmedAction } from '../components/useConfirmedAction';
import { useTitle } from '../components/useTitle';
import { formatDate } from '../components/dates';
import type { CreatedInvite, TeamView } from '../../../src/features/accounts/accounts.schemas';

type TeamUser = TeamView['users'][number];

const ROLE_HELP = {
  admin: 'Admins manage everything an owner does: API keys, webhooks, the team and settings.',
  member: 'Members work leads, quotes, messages and appointments, but cannot open Integrations, Team or change settings.',
};

export default function TeamPage() {
  const zone = useCompanyZone();
  useTitle('Team');
  const { me } = useMe();
  const queryClient = useQueryClient();
  const team = useQuery({ queryKey: ['team'], queryFn: () => api<TeamView>('/app/api/team') });
  const [role, setRole] = useState<'admin' | 'member'>('member');
  const [created, setCreated] = useState<CreatedInvite | null>(null);

  const invite = useMutation({
    mutationFn: () => api<CreatedInvite>('/app/api/invites', { method: 'POST', body: { role } }),
    onSuccess: (inv) => {
      setCreated(inv);
      queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const revokeInvite = useMutation({
    mutationFn: (id: string) => api(`/app/api/invites/${id}`, { method: 'DELETE' }),
    onSuccess: (_r, id) => {
      if (created?.id === id) setCreated(null);
      queryClient.invalidateQueries({ queryKey: ['team'] });
    },
  });
  const removeUser = useConfirmedAction(
    (u: TeamUser) => api(`/app/api/team/${u.id}`, { method: 'DELETE' }),
    () => queryClient.invalidateQueries({ queryKey: ['team'] }),
  );
  const removing = removeUser.target;

  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    invite.mutate();
  }

  return (
    <>
      <h1>Team</h1>
      <p className="muted">Invite the people who work your leads. Each invitation is a one-time link, valid for 7 days.</p>

      <section className="card">
        <h2 id="invite-title">Invite someone</h2>
        <form className="form" onSubmit={submit}>
          <FormError error={invite.error} />
          <div className="field">
            <label htmlFor="invite-role">Role</label>
            <select id="invite-role" value={role} onChange={(e) => setRole(e.target.value as 'admin' | 'member')} aria-describedby="invite-role-hint">
              <option value="member">Member</option>
              <option value="admin">Admin</option>
            </select>
            <span className="hint" id="invite-role-hint">
              {ROLE_HELP[role]}
            </span>
          </div>
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={invite.isPending}>
              {invite.isPending ? 'Creating…' : 'Create invitation link'}
            </button>
          </div>
        </form>
        {created && (
          <div className="secret-panel" style={{ marginTop: '1rem', marginBottom: 0 }} role="status">
            <h3>Invitation link ({created.role})</h3>
            <p>
              <strong>Send this link to the person you invite. It is shown only once</strong>, works once, and expires{' '}
              {formatDate(created.expires_at, zone)}.
            </p>
            <div className="secret-value">
              <code data-testid="invite-url">{created.url}</code>
              <CopyButton text={created.url} />
            </div>
          </div>
        )}
      </section>

      <section className="card">
        <h2 id="users-title">People</h2>
        <FormError error={team.error} />
        <FormError error={removeUser.mutation.isError && !removing ? removeUser.mutation.error : null} />
        {team.isLoading && <p role="status">Loading…</p>}
        {team.data && (
          <Table
            columns={['Name', 'Email', 'Role', 'Joined', ACTIONS]}
            rows={team.data.users}
            row={(u) => (
              <tr key={u.id}>
                <td>
                  {u.name}
                  {u.id === me?.user.id && <span className="small"> (you)</span>}
                </td>
                <td>
                  <EmailLink email={u.email} />
                </td>
                <td>
                  <span className={`badge ${u.role === 'owner' ? 'badge-blue' : 'badge-grey'}`} style={{ textTransform: 'capitalize' }}>
                    {u.role}
                  </span>
                </td>
                <td>{formatDate(u.created_at, zone)}</td>
                <td>
                  {u.role !== 'owner' && u.id !== me?.user.id && (
                    <button type="button" className="btn btn-secondary btn-small" onClick={() => removeUser.ask(u)}>
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            )}
          />
        )}
      </section>

      <section className="card">
        <h2 id="invites-title">Pending invitations</h2>
        <FormError error={revokeInvite.error} />
        {team.data && team.data.invites.length === 0 && <p className="muted">No pending invitations.</p>}
        {team.data && team.data.invites.length > 0 && (
          <Table
            columns={['Role', 'Created', 'Expires', ACTIONS]}
            rows={team.data.invites}
            row={(inv) => (
              <tr key={inv.id}>
                <td style={{ textTransform: 'capitalize' }}>{inv.role}</td>
                <td>{formatDate(inv.created_at, zone)}</td>
                <td>{formatDate(inv.expires_at, zone)}</td>
                <td>
                  <button
                    type="button"
                    className="btn btn-secondary btn-small"
                    disabled={revokeInvite.isPending && revokeInvite.variables === inv.id}
                    onClick={() => revokeInvite.mutate(inv.id)}
                  >
                    Revoke
                  </button>
                </td>
              </tr>
            )}
          />
        )}
      </section>

      <ConfirmDialog {...removeUser.dialog} title="Remove this person?" confirmLabel="Remove" danger>
        <p>
          {removing?.name} ({removing?.email}) loses access at once and is logged out everywhere. You can invite them again
          later.
        </p>
      </ConfirmDialog>
    </>
  );
}
