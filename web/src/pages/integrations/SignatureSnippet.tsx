const SNIPPET = `import crypto from 'node:crypto';

// rawBody: the request body exactly as received (a Buffer or string), before JSON.parse.
// secret: this endpoint's signing secret, "whsec_...".
function verifyWebhook(headers, rawBody, secret) {
  // 1. X-Webhook-Signature: hex HMAC-SHA256 of the raw body, keyed with the whole secret.
  const expected = crypto.createHmac('sha256', secret).update(rawBody).digest('hex');
  const given = headers['x-webhook-signature'] ?? '';
  return given.length === expected.length &&
    crypto.timingSafeEqual(Buffer.from(given), Buffer.from(expected));
}

// 2. Or the Standard Webhooks headers (webhook-id, webhook-timestamp, webhook-signature):
function verifyStandardWebhook(headers, rawBody, secret) {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  if (Math.abs(Date.now() / 1000 - Number(timestamp)) > 300) return false; // replayed or stale
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = crypto.createHmac('sha256', key)
    .update(\`\${id}.\${timestamp}.\${rawBody}\`).digest('base64');
  // webhook-signature: "v1,<base64>" (the standard allows several, space-separated)
  return (headers['webhook-signature'] ?? '').split(' ').some((s) => s === \`v1,\${expected}\`);
}`;

export default function SignatureSnippet() {
  return (
    <section className="card">
      <h2 id="verify-title">Verify a signature</h2>
      <p className="muted">
        Every delivery carries <code>X-Webhook-Signature</code> (the hex HMAC-SHA256 of the raw body with the secret) and the
        Standard Webhooks headers <code>webhook-id</code>, <code>webhook-timestamp</code> and <code>webhook-signature</code>.
        Check either before trusting the body; <code>webhook-id</code> is the same on every retry, so use it to ignore
        duplicates. In Node:
      </p>
      <pre className="snippet" tabIndex={0} aria-label="Signature verification example in Node.js">
        <code>{SNIPPET}</code>
      </pre>
    </section>
  );
}
