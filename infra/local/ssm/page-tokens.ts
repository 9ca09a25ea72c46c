import { SsmError } from './errors';

/** Opaque to clients: the operation and the sequence number of the last parameter returned. */
function encodeToken(operation: string, seq: number): string {
  return Buffer.from(JSON.stringify({ o: operation, s: seq })).toString('base64url');
}

function decodeToken(operation: string, token: string | undefined): number {
  if (token === undefined) return 0;
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as {
      o?: string;
      s?: number;
    };
    if (body.o === operation && Number.isSafeInteger(body.s)) return body.s as number;
  } catch {
    // Falls through to the error Parameter Store gives for a token it did not issue.
  }
  throw new SsmError('InvalidNextToken', "The specified token isn't valid.");
}

/** One page of matching parameters after the token's, with the token for the next. */
export function pageOf<T extends { seq: number }>(
  operation: string,
  records: readonly T[],
  limit: number,
  token: string | undefined,
): { items: T[]; NextToken?: string } {
  const after = decodeToken(operation, token);
  const rest = records.filter((record) => record.seq > after);
  const items = rest.slice(0, limit);
  return rest.length > limit
    ? { items, NextToken: encodeToken(operation, (items.at(-1) as T).seq) }
    : { items };
}
