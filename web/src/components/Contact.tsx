// A phone number or an email as something a phone can act on: call, text, write.
import { formatPhone } from './dates';

/** What a `tel:`/`sms:` link dials: the number without the spaces and brackets people write it with. */
export const dialable = (phone: string) => phone.replace(/[^\d+]/g, '');

/** A phone number that calls when tapped, with a "Text" link beside it that opens a new SMS to it. */
export function PhoneLinks({ phone, name }: { phone: string; name?: string }) {
  const number = dialable(phone);
  const whom = name ? ` ${name}` : '';
  // Shown as the company's country writes it (0412 555 019), dialled as stored (E.164).
  const shown = formatPhone(phone);
  return (
    <span className="contact-links">
      <a className="contact-link" href={`tel:${number}`} aria-label={`Call${whom} on ${shown}`}>
        {shown}
      </a>
      <a className="contact-link contact-text" href={`sms:${number}`} aria-label={`Text${whom} on ${shown}`}>
        Text
      </a>
    </span>
  );
}

/** An email address that opens a new message to it. */
export function EmailLink({ email }: { email: string }) {
  return (
    <a className="contact-link" href={`mailto:${email}`}>
      {email}
    </a>
  );
}

/** A lead's quick actions, as a row of buttons: call, text, email (each only when there is a number or an address). */
export function ContactActions({ phone, email, name }: { phone?: string | null; email?: string | null; name: string }) {
  if (!phone && !email) return null;
  return (
    <p className="contact-actions">
      {phone && (
        <>
          <a className="contact-action" href={`tel:${dialable(phone)}`} aria-label={`Call ${name} on ${formatPhone(phone)}`}>
            Call
          </a>
          <a className="contact-action" href={`sms:${dialable(phone)}`} aria-label={`Text ${name} on ${formatPhone(phone)}`}>
            Text
          </a>
        </>
      )}
      {email && (
        <a className="contact-action" href={`mailto:${email}`} aria-label={`Email ${name} at ${email}`}>
          Email
        </a>
      )}
    </p>
  );
}
