import { Ec2Error, invalidParameterValue } from './errors';

/**
 * NextToken is opaque to clients. Ours names the action and the sequence number of the last
 * record returned, so the next page starts after that record even when records were deleted in
 * between (a purge pages through images while deregistering them: offsets would skip some).
 */
interface TokenBody {
  a: string;
  s: number;
  k?: string;
}

export function encodeToken(action: string, seq: number, key?: string): string {
  const body: TokenBody = key === undefined ? { a: action, s: seq } : { a: action, s: seq, k: key };
  return Buffer.from(JSON.stringify(body)).toString('base64url');
}

export function decodeToken(action: string, token: string): { seq: number; key?: string } {
  try {
    const body = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as TokenBody;
    if (body.a === action && Number.isSafeInteger(body.s)) {
      return body.k === undefined ? { seq: body.s } : { seq: body.s, key: body.k };
    }
  } catch {
    // Falls through to the error EC2 gives for a token it did not issue.
  }
  throw new Ec2Error('InvalidPaginationToken', `Invalid pagination token: ${token}`);
}

export function checkMaxResults(
  maxResults: number | undefined,
  min: number,
  max: number,
): number | undefined {
  if (maxResults === undefined) return undefined;
  if (maxResults < min || maxResults > max) {
    throw invalidParameterValue(
      `Value ( ${maxResults} ) for parameter maxResults is invalid. Expecting a value between ${min} and ${max}.`,
    );
  }
  return maxResults;
}

/**
 * One page of `records` (in sequence order) that pass `matches`, starting after the token's
 * record. Only as many records are tested as the page needs.
 */
export function page<T extends { seq: number }>(
  records: Iterable<T>,
  matches: (record: T) => boolean,
  options: { action: string; maxResults: number | undefined; nextToken: string | undefined },
): { items: T[]; nextToken: string | undefined } {
  const after =
    options.nextToken === undefined ? 0 : decodeToken(options.action, options.nextToken).seq;
  const limit = options.maxResults ?? Number.POSITIVE_INFINITY;
  const items: T[] = [];
  for (const record of records) {
    if (record.seq <= after || !matches(record)) continue;
    if (items.length === limit) {
      const last = items[items.length - 1] as T;
      return { items, nextToken: encodeToken(options.action, last.seq) };
    }
    items.push(record);
  }
  return { items, nextToken: undefined };
}
