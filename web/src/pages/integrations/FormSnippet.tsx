import { CopyButton } from '../../components/forms';
import { FORM_SCRIPT, formHtml, type SnippetForm } from './formSnippet';

/** The form's copy-paste snippet: the HTML, which works on its own, and the optional script. */
export default function FormSnippet({ form }: { form: SnippetForm }) {
  const html = formHtml(form);
  return (
    <section className="card" aria-labelledby="snippet-title">
      <h2 id="snippet-title">Snippet for your site</h2>
      <p className="muted">
        Paste the form into a page of one of the allowed sites. It works without JavaScript: the visitor lands on the
        thank-you page. Style it as you like, add fields of your own (they are kept with the lead), but keep the field
        names and the hidden field.
        {form.captcha ? ' The captcha widget needs JavaScript to show.' : ''}
      </p>
      <h3 id="snippet-html-title">1. The form (HTML)</h3>
      <pre className="snippet" tabIndex={0} aria-labelledby="snippet-html-title" data-testid="snippet-html">
        <code>{html}</code>
      </pre>
      <div className="actions">
        <CopyButton text={html} label="Copy the form" />
      </div>
      <h3 id="snippet-script-title" style={{ marginTop: '1.25rem' }}>
        2. Optional: the script
      </h3>
      <p className="muted">
        Paste it after the form. It sends the form without leaving the page and shows the answer under it, records the
        page the visitor came from, and sends the load time the minimum fill time needs. One copy serves every form on
        the page.
      </p>
      <pre className="snippet" tabIndex={0} aria-labelledby="snippet-script-title" data-testid="snippet-script">
        <code>{FORM_SCRIPT}</code>
      </pre>
      <div className="actions">
        <CopyButton text={FORM_SCRIPT} label="Copy the script" />
      </div>
    </section>
  );
}
