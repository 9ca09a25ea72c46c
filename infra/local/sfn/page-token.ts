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

/** One page of `items` (100 by default, as AWS), with an opaque token for the next. */
export function paginate<Key extends string, Item>(
  items: readonly Item[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  key: Key,
): { [K in Key]: Item[] } & { nextToken?: string } {
  const pageSize = maxResults && maxResults > 0 ? maxResults : 100;
  const offset = nextToken === undefined ? 0 : decodePageToken(nextToken);
  const page = items.slice(offset, offset + pageSize);
  const next = offset + pageSize < items.length ? encodePageToken(offset + pageSize) : undefined;
  return { [key]: page, ...(next === undefined ? {} : { nextToken: next }) } as {
    [K in Key]: Item[];
  } & { nextToken?: string };
}
