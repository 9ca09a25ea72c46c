import { SfnApiError } from './sfn-api-error';

/** A `nextToken` as Step Functions hands them out: opaque to callers, here an offset. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64url');
}

/** The offset a `nextToken` names; a token this service did not make is `InvalidToken`. */
export function decodePageToken(token: string): number {
  try {
    const { offset } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      offset: unknown;
    };
    if (typeof offset === 'number' && Number.isInteger(offset) && offset >= 0) return offset;
  } catch {
    // Falls through to the AWS error below.
  }
  throw new SfnApiError('InvalidToken', `Invalid Token: '${token}'`);
}
