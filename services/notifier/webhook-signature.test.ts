import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_HEADER,
  signatureHeaders,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from './webhook-signature';

const secret = 'whsec-0123456789abcdef';
const body = '{"detail-type":"AmiAvailable"}';
const now = new Date('2025-06-05T12:04:05.000Z');

describe('webhook signature', () => {
  it('should sign <timestamp>.<body> with HMAC-SHA256 as documented in the README', () => {
    const headers = signatureHeaders(secret, body, now);
    expect(headers[TIMESTAMP_HEADER]).toBe('1749125045');
    const expected = createHmac('sha256', secret).update(`1749125045.${body}`).digest('hex');
    expect(headers[SIGNATURE_HEADER]).toBe(`sha256=${expected}`);
  });

  it('should verify an untouched delivery within the tolerance', () => {
    const headers = signatureHeaders(secret, body, now);
    const delivery = {
      body,
      timestamp: headers[TIMESTAMP_HEADER],
      signature: headers[SIGNATURE_HEADER],
    };
    expect(verifyWebhookSignature(secret, delivery, new Date(now.getTime() + 60_000))).toBe(true);
  });

  const cases: [string, { body?: string; signature?: undefined }, Date, string][] = [
    ['an altered body', { body: `${body} ` }, now, secret],
    ['another secret', {}, now, 'whsec-another-secret-000'],
    ['a replay after the tolerance', {}, new Date(now.getTime() + 301_000), secret],
    ['a missing signature', { signature: undefined }, now, secret],
  ];
  it.each(cases)('should reject %s', (_name, change, at, verifySecret) => {
    const headers = signatureHeaders(secret, body, now);
    const delivery = {
      body,
      timestamp: headers[TIMESTAMP_HEADER],
      signature: headers[SIGNATURE_HEADER],
      ...change,
    };
    expect(verifyWebhookSignature(verifySecret, delivery, at)).toBe(false);
  });
});
