import { describe, expect, it } from 'vitest';
import { isValidTwilioSignature, twilioSignature } from './twilio-signature.js';

// The example of Twilio's security documentation ("Validating requests"), in its current and its
// earlier wording.
const URL = 'https://mycompany.com/myapp.php?foo=1&bar=2';
const params = (caller: string) => ({ CallSid: 'CA1234567890ABCDE', Caller: caller, Digits: '1234', From: caller, To: '+18005551212' });

describe('Twilio request signature', () => {
  it("matches Twilio's documented test vectors", () => {
    expect(twilioSignature('12345', URL, params('+14158675309'))).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
    expect(twilioSignature('12345', URL, params('+12349013030'))).toBe('0/KCTR6DLpKmkAf8muzZqo1nDgQ=');
    expect(isValidTwilioSignature('12345', 'RSOYDt4T1cUTdK1PDd93/VVr8B8=', URL, params('+14158675309'))).toBe(true);
  });

  it('refuses a signature of another token, URL, parameter value, or none', () => {
    const p = params('+14158675309');
    const good = 'RSOYDt4T1cUTdK1PDd93/VVr8B8=';
    expect(isValidTwilioSignature('54321', good, URL, p)).toBe(false);
    expect(isValidTwilioSignature('12345', good, URL.replace('foo=1', 'foo=2'), p)).toBe(false);
    expect(isValidTwilioSignature('12345', good, URL, { ...p, Digits: '1235' })).toBe(false);
    expect(isValidTwilioSignature('12345', undefined, URL, p)).toBe(false);
    expect(isValidTwilioSignature('12345', good.slice(1), URL, p)).toBe(false);
  });
});
