import { describe, expect, it } from 'vitest';
import { requestForLog } from './request-log.js';

describe('requestForLog', () => {
  it('keeps the public quote token out of logs, and the rest of the address in', () => {
    const at = (url: string) => requestForLog({ method: 'POST', url, host: 'api.example.com', ip: '203.0.113.9' }).url;
    expect(at('/q/3q2-7wAbC_x9/accept')).toBe('/q/<token>/accept');
    expect(at('/q/3q2-7wAbC_x9?utm=sms')).toBe('/q/<token>?utm=sms');
    expect(at('/v1/quotes/6f1c?status=sent')).toBe('/v1/quotes/6f1c?status=sent');
  });
});
