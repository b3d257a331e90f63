import { useState, type FormEvent } from 'react';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, fieldErrors, useCompanyZone } from '../../api';
import { ConfirmDialog, CopyButton, Field, FormError } from '../../components/forms';
import { ACTIONS, Table } from '../../components/Table';
import { useConfirmedAction } from '../../components/useConfirmedAction';
import { useTitle } from '../../components/useTitle';
import IntegrationsTabs from './IntegrationsTabs';
import { formatDate, formatDateTime } from '../../components/dates';
import { zonedToIso } from '../../components/zoned-time';

import type { CreatedKey, KeyView as ApiKey, ScopeInfo as Scope } from '../../../../src/features/tokens/keys.routes';

function keyStatus(key: ApiKey): { label: string; tone: string } {
  if (key.revoked_at) return { label: 'Revoked', tone: 'badge-red' };
  if (key.expires_at && new Date(key.expires_at).getTime() <= Date.now()) return { label: 'Expired', tone: 'badge-grey' };
  return { label: 'Active', tone: 'badge-green' };
}

function tomorrow(): string {
  const d = new Date();
  d.setDate(d.getDate() + 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

export default function ApiKeysPage() {
  const zone = useCompanyZone();
  useTitle('API keys');
  const queryClient = useQueryClient();
  const keys = useQuery({ queryKey: ['keys'], queryFn: () => api<{ data: ApiKey[] }>('/app/api/keys') });
  const scopes = useQuery({ queryKey: ['scopes'], queryFn: () => api<{ data: Scope[] }>('/app/api/scopes'), staleTime: Infinity });

  const [name, setName] = useState('');
  const [chosen, setChosen] = useState<string[]>([]);
  const [expiry, setExpiry] = useState('');
  const [created, setCreated] = useState<CreatedKey | null>(null);

  const create = useMutation({
    mutationFn: () =>
      api<CreatedKey>('/app/api/keys', {
        method: 'POST',
        body: {
          name,
          scopes: chosen,
          // The key works through the whole chosen day, in the company's timezone (as every date here).
          ...(expiry ? { expires_at: (zone && zonedToIso(`${expiry}T23:59:59`, zone)) || new Date(`${expiry}T23:59:59`).toISOString() } : {}),
        },
      }),
    onSuccess: (key) => {
      setCreated(key);
      setName('');
      setChosen([]);
      setExpiry('');
      queryClient.invalidateQueries({ queryKey: ['keys'] });
    },
  });

  const revoke = useConfirmedAction(
    (key: ApiKey) => api<ApiKey>(`/app/api/keys/${key.id}`, { method: 'DELETE' }),
    () => queryClient.invalidateQueries({ queryKey: ['keys'] }),
  );
  const revoking = revoke.target;

  function submit(e: FormEvent) {
    e.preventDefault();
    setCreated(null);
    create.mutate();
  }

  function toggle(scope: string, on: boolean) {
    setChosen((list) => (on ? [...list, scope] : list.filter((s) => s !== scope)));
  }

  const errors = fieldErrors(create.error);
  return (
    <>
      <h1>API keys</h1>
      <IntegrationsTabs />
      <p className="muted">
        API keys let your own software and integrations call the QuoteLeads API at <code>/v1</code> with{' '}
        <code>Authorization: Bearer &lt;token&gt;</code>. Give each key only the scopes it needs.
      </p>

      {created && (
        <section className="secret-panel">
          <h2 id="new-key-title">Your new key “{created.name}”</h2>
          <p>
            <strong>Copy this token now. It will not be shown again.</strong> QuoteLeads stores only a hash of it; if you lose
            it, revoke the key and create a new one.
          </p>
          <div className="secret-value">
            <code data-testid="new-token">{created.token}</code>
            <CopyButton text={created.token} />
          </div>
          <button type="button" className="btn btn-secondary btn-small" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </section>
      )}

      <section className="card">
        <h2 id="create-key-title">Create a key</h2>
        <form className="form" onSubmit={submit} noValidate>
          <FormError error={create.error} />
          <Field
            label="Name"
            required
            maxLength={100}
            value={name}
            onChange={(e) => setName(e.target.value)}
            error={errors.name}
            hint="What uses this key, e.g. “Website contact form”."
          />
          <fieldset aria-describedby={errors.scopes ? 'scopes-error' : undefined}>
            <legend>Scopes</legend>
            {scopes.isLoading && <p role="status">Loading scopes…</p>}
            <FormError error={scopes.error} />
            <div className="checklist">
              {scopes.data?.data.map((s) => (
                <label className="check" key={s.scope}>
                  <input type="checkbox" checked={chosen.includes(s.scope)} onChange={(e) => toggle(s.scope, e.target.checked)} />
                  <span>
                    <span className="check-name">{s.scope}</span>
                    <span className="check-desc">{s.description}</span>
                  </span>
                </label>
              ))}
            </div>
            {errors.scopes && (
              <p className="field-error" id="scopes-error">
                {errors.scopes}
              </p>
            )}
          </fieldset>
          <Field
            label="Expires on (optional)"
            type="date"
            min={tomorrow()}
            value={expiry}
            onChange={(e) => setExpiry(e.target.value)}
            error={errors.expires_at}
            hint="Leave empty for a key that does not expire."
          />
          <div className="actions">
            <button type="submit" className="btn btn-primary" disabled={create.isPending}>
              {create.isPending ? 'Creating…' : 'Create key'}
            </button>
          </div>
        </form>
      </section>

      <section className="card">
        <h2 id="keys-title">Keys</h2>
        <FormError error={keys.error} />
        {keys.isLoading && <p role="status">Loading keys…</p>}
        {keys.data && (
          <Table
            columns={['Name', 'Prefix', 'Scopes', 'Created', 'Last used', 'Expires', 'Status', ACTIONS]}
            rows={keys.data.data}
            empty="No keys yet. Create one above."
            row={(key) => {
              const status = keyStatus(key);
              return (
                <tr key={key.id}>
                  <td>{key.name}</td>
                  <td>
                    <code>{key.prefix}</code>
                  </td>
                  <td>
                    {key.scopes.map((s) => (
                      <span className="tag" key={s}>
                        {s}
                      </span>
                    ))}
                  </td>
                  <td>{formatDate(key.created_at, zone)}</td>
                  <td>{key.last_used_at ? formatDateTime(key.last_used_at, zone) : 'Never'}</td>
                  <td>{key.expires_at ? formatDate(key.expires_at, zone) : 'Never'}</td>
                  <td>
                    <span className={`badge ${status.tone}`}>{status.label}</span>
                  </td>
                  <td>
                    {!key.revoked_at && (
                      <button type="button" className="btn btn-secondary btn-small" onClick={() => revoke.ask(key)}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              );
            }}
          />
        )}
      </section>

      <ConfirmDialog {...revoke.dialog} title="Revoke this key?" confirmLabel="Revoke key" danger>
        <p>
          “{revoking?.name}” (<code>{revoking?.prefix}</code>) stops working at once. Anything that still uses it will get{' '}
          <code>401</code>. This cannot be undone.
        </p>
      </ConfirmDialog>
    </>
  );
}
