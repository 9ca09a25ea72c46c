import type { RequestLedger } from '../shared/request-ledger';
import { isTerminal, type LedgerRecord } from '../shared/request-ledger-record';
import {
  NAME_STATES,
  type NameState,
  type NameStatus,
  type RequestStatus,
  TERMINAL_NAME_STATES,
} from './request-status';

/** The most requests `GET /requests?instanceName=` answers at once, and its default. */
export const MAX_LISTED_REQUESTS = 50;
export const DEFAULT_LISTED_REQUESTS = 10;

/** A request as the status API shows it; undefined when the ledger has no name of it. */
export async function readRequestStatus(
  ledger: RequestLedger,
  requestId: string,
): Promise<RequestStatus | undefined> {
  const records = await ledger.readRequest(requestId);
  return records.length === 0 ? undefined : requestStatusOf(records);
}

/** The latest requests that asked for a name, newest first, each with all of its names. */
export async function listRequestsOfName(
  ledger: RequestLedger,
  instanceName: string,
  limit: number,
): Promise<RequestStatus[]> {
  const latest = await ledger.latestOfName(instanceName, limit);
  const statuses = await Promise.all(
    latest.map((record) => readRequestStatus(ledger, record.requestId)),
  );
  return statuses.filter((status) => status !== undefined);
}

/**
 * Sums a request's names up: `available` when every name is, `failed` when every name has ended
 * and one failed, else the earliest state a name is still in.
 */
export function requestStatusOf(records: readonly LedgerRecord[]): RequestStatus {
  const [first] = records;
  if (first === undefined) throw new Error('a request status needs at least one name');
  const names = records.map(nameStatusOf);
  const terminal = (state: NameState) =>
    (TERMINAL_NAME_STATES as readonly string[]).includes(state);
  const states = names.map((name) => name.state);
  const state: NameState = states.every(terminal)
    ? states.includes('failed')
      ? 'failed'
      : 'available'
    : (NAME_STATES.find((candidate) => !terminal(candidate) && states.includes(candidate)) ??
      'requested');
  return {
    requestId: first.requestId,
    state,
    ...(first.requestedBy === undefined ? {} : { requestedBy: first.requestedBy }),
    ...(first.requestLabel === undefined ? {} : { requestLabel: first.requestLabel }),
    requestedAt: records.map((record) => record.requestedAt).sort()[0] ?? first.requestedAt,
    names,
  };
}

function nameStatusOf(record: LedgerRecord): NameStatus {
  const {
    requestId: _requestId,
    requestedBy: _requestedBy,
    requestLabel: _requestLabel,
    published: _published,
    imageState: _imageState,
    ...status
  } = record;
  // An end recorded but not yet announced may still be decided again: it shows as the state
  // before it until its terminal event is on the bus, so a caller never sees an end that changes.
  if (isTerminal(record) && record.published === false) {
    const {
      reason: _reason,
      message: _message,
      failedAt: _failedAt,
      availableAt: _availableAt,
      ...rest
    } = status;
    return { ...rest, state: record.imageId === undefined ? 'creating' : 'pending' };
  }
  return status;
}
