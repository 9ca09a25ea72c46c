import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-Ami-Lifecycle-Signature';
export const TIMESTAMP_HEADER = 'X-Ami-Lifecycle-Timestamp';

/** Receivers should refuse older signatures so a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_SECONDS = 300;

function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/**
 * The headers that let a receiver check a delivery came from this notifier and was not altered:
 * HMAC-SHA256 with the target's secret over `<timestamp>.<body>`, timestamp in Unix seconds.
 */
export function signatureHeaders(secret: string, body: string, now: Date): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  return { [TIMESTAMP_HEADER]: timestamp, [SIGNATURE_HEADER]: sign(secret, timestamp, body) };
}

export interface SignedDelivery {
  readonly body: string;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
}

/**
 * The receiver's side (also in the README): recompute and compare in constant time, and refuse
 * timestamps outside the tolerance.
 */
export function verifyWebhookSignature(
  secret: string,
  delivery: SignedDelivery,
  now: Date,
  toleranceSeconds = SIGNATURE_TOLERANCE_SECONDS,
): boolean {
  const { body, timestamp, signature } = delivery;
  if (timestamp === undefined || signature === undefined || !/^\d+$/.test(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const received = Buffer.from(signature);
  return expected.length === received.length && timingSafeEqual(expected, received);
}
