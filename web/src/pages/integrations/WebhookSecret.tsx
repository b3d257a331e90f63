import { useState } from 'react';
import { useMutation } from '@tanstack/react-query';
import { api } from '../../api';
import { ConfirmDialog, CopyButton, FormError } from '../../components/forms';
import type { WebhookEndpointWithSecret } from './webhookTypes';

export default function WebhookSecret({ endpointId }: { endpointId: string }) {
  const [secret, setSecret] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [rotated, setRotated] = useState(false);

  const reveal = useMutation({
    mutationFn: () => api<{ data: { secret: string } }>(`/v1/webhooks/${endpointId}/secret`),
    onSuccess: ({ data }) => {
      setSecret(data.secret);
      setRotated(false);
    },
  });
  const rotate = useMutation({
    mutationFn: () => api<{ data: WebhookEndpointWithSecret }>(`/v1/webhooks/${endpointId}/rotate-secret`, { method: 'POST' }),
    onSuccess: ({ data }) => {
      setSecret(data.secret);
      setRotated(true);
      setConfirming(false);
    },
  });

  return (
    <section className="card">
      <h2 id="secret-title">Signing secret</h2>
      <p className="muted">Your receiver uses this secret to check that a delivery comes from QuoteLeads. Keep it private.</p>
      <FormError error={reveal.error} />
      {rotated && (
        <div className="alert alert-success" role="status">
          The secret was rotated. Deliveries are now signed with the new secret below: update your receiver.
        </div>
      )}
      {secret ? (
        <div className="secret-value">
          <code data-testid="webhook-secret">{secret}</code>
          <CopyButton text={secret} />
        </div>
      ) : (
        <div className="secret-value">
          <code aria-label="Secret hidden">whsec_••••••••••••••••••••••••</code>
        </div>
      )}
      <div className="actions">
        {secret ? (
          <button type="button" className="btn btn-secondary" onClick={() => setSecret(null)}>
            Hide secret
          </button>
        ) : (
          <button type="button" className="btn btn-secondary" onClick={() => reveal.mutate()} disabled={reveal.isPending}>
            Reveal secret
          </button>
        )}
        <button
          type="button"
          className="btn btn-secondary"
          onClick={() => {
            rotate.reset();
            setConfirming(true);
          }}
        >
          Rotate secret
        </button>
      </div>
      <ConfirmDialog
        open={confirming}
        title="Rotate the signing secret?"
        confirmLabel="Rotate now"
        danger
        busy={rotate.isPending}
        error={rotate.error}
        onCancel={() => setConfirming(false)}
        onConfirm={() => rotate.mutate()}
      >
        <p>
          A new secret is made and the current one stops being used at once: deliveries will fail your receiver's signature
          check until you give it the new secret.
        </p>
      </ConfirmDialog>
    </section>
  );
}
