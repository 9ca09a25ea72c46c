/**
 * EC2's answers for "not now": throttling that outlasted the SDK's retries and server-side
 * failures. The SDK marks most 5xx answers as `$fault: 'server'`, but EC2 sends some of these with
 * other status codes (RequestLimitExceeded is a 503 marked as the client's fault), so codes count.
 */
const TRANSIENT_CODES = new Set([
  'RequestLimitExceeded',
  'Throttling',
  'ThrottlingException',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'BandwidthLimitExceeded',
  'SlowDown',
  'PriorRequestNotComplete',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'Unavailable',
  'RequestTimeout',
  'RequestTimeoutException',
]);

/** Socket and DNS failures of Node; the request may not even have reached EC2. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
]);

interface ServiceErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $fault?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: unknown };
}

/**
 * Whether an error from an EC2 call may pass if the same call is made later. Only an answer in
 * which EC2 refuses the request itself (`$fault: 'client'`: no such instance, an instance in the
 * wrong state, an invalid name, access denied, …) is permanent. Everything else is transient,
 * including errors that are no answer from EC2 at all (credentials that could not be loaded, a
 * defect): ending a name for those would be final for a cause the dead-letter queue should show.
 */
export function isTransientEc2Error(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return true;
  const { name, code, $fault, $metadata } = error as ServiceErrorShape;
  if (typeof name === 'string' && (TRANSIENT_CODES.has(name) || name === 'TimeoutError')) {
    return true;
  }
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return true;
  const status = $metadata?.httpStatusCode;
  if (typeof status === 'number' && (status === 429 || status >= 500)) return true;
  return $fault !== 'client';
}
