import type { EventEnvelope } from './model';
import { TargetInvocationError } from './model';

/** EventBridge API destinations retry these statuses (and network errors, timeouts); no others. */
const RETRYABLE_STATUSES = new Set([401, 407, 409, 429]);

/** EventBridge gives an API destination endpoint five seconds to answer. */
export const API_DESTINATION_TIMEOUT_MS = 5_000;

export interface ApiDestination {
  readonly name: string;
  readonly arn: string;
  readonly invocationEndpoint: string;
  readonly httpMethod: string;
}

/** Sends the target input to an HTTP endpoint as an API destination does. */
export async function invokeApiDestination(
  destination: ApiDestination,
  input: unknown,
  event: EventEnvelope,
  timeoutMs = API_DESTINATION_TIMEOUT_MS,
): Promise<void> {
  let response: Response;
  try {
    response = await fetch(destination.invocationEndpoint, {
      method: destination.httpMethod,
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'user-agent': 'Amazon/EventBridge/ApiDestinations',
        'x-amz-event-id': event.id,
      },
      body: JSON.stringify(input),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const cause = (error as Error).name === 'TimeoutError' ? 'timed out' : (error as Error).message;
    throw new TargetInvocationError('SDK_CLIENT_ERROR', `${destination.name}: ${cause}`);
  }
  // Drain the body so the connection is released, whatever the status.
  await response.arrayBuffer().catch(() => undefined);
  if (response.ok) return;
  const retryable = response.status >= 500 || RETRYABLE_STATUSES.has(response.status);
  throw new TargetInvocationError(
    `HTTP_${response.status}`,
    `${destination.name} answered HTTP ${response.status}`,
    retryable,
  );
}
