import { createHash, createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createApiClient } from './api-client';
import { ApiRefusedError } from './api-errors';
import {
  AVAILABLE_API,
  type FakeApi,
  type RecordedCall,
  requestStatus,
  startFakeApi,
} from './fake-api.test-double';
import { createSigV4Signer, regionOfApiHost } from './sign-request';

const CREDENTIALS = {
  accessKeyId: 'AKIDEXAMPLE',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY',
  sessionToken: 'session-token-example',
};
const REGION = 'eu-west-1';
const SIGNED_AT = new Date('2025-06-20T03:04:05.000Z');

const sha256 = (data: string) => createHash('sha256').update(data, 'utf8').digest('hex');
const hmac = (key: string | Buffer, data: string) =>
  createHmac('sha256', key).update(data).digest();

/**
 * The signature a server expects, computed by hand from the request as it arrived (AWS's
 * "Create a signed AWS API request" steps), independently of the signing library.
 */
function expectedSignature(call: RecordedCall): { signature: string; given: string } | undefined {
  const authorization = String(call.headers.authorization ?? '');
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (match === null) return undefined;
  const [, , day, region, service, signedHeaders, given] = match as unknown as string[];
  const url = new URL(call.path, 'http://placeholder');
  const query = [...url.searchParams]
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
    .sort()
    .join('&');
  const names = (signedHeaders as string).split(';');
  const headers = names
    .map((name) => `${name}:${String(call.headers[name] ?? '').trim()}\n`)
    .join('');
  const canonicalRequest = [
    call.method,
    url.pathname,
    query,
    headers,
    signedHeaders,
    sha256(call.body),
  ].join('\n');
  const scope = `${day}/${region}/${service}/aws4_request`;
  const stringToSign = [
    'AWS4-HMAC-SHA256',
    String(call.headers['x-amz-date']),
    scope,
    sha256(canonicalRequest),
  ].join('\n');
  let key = hmac(`AWS4${CREDENTIALS.secretAccessKey}`, day as string);
  for (const part of [region as string, service as string, 'aws4_request']) key = hmac(key, part);
  return { signature: hmac(key, stringToSign).toString('hex'), given: given as string };
}

/** Answers 403, as API Gateway does, unless the signature verifies. */
async function verifyingApi(): Promise<FakeApi> {
  return startFakeApi((call) => {
    const verdict = expectedSignature(call);
    if (verdict === undefined || verdict.signature !== verdict.given) {
      return {
        status: 403,
        body: { message: 'The request signature we calculated does not match' },
      };
    }
    return call.method === 'POST'
      ? { status: 202, body: { requestId: 'r-1', instanceNames: ['service-api'] } }
      : { status: 200, body: requestStatus('available', [AVAILABLE_API]) };
  });
}

let api: FakeApi | undefined;
afterEach(async () => {
  await api?.close();
  api = undefined;
});

const sign = createSigV4Signer({
  credentials: CREDENTIALS,
  region: REGION,
  clock: () => SIGNED_AT,
});

describe('createSigV4Signer', () => {
  it('should sign a POST with a body so that the server’s own computation verifies it', async () => {
    // Prepare
    api = await verifyingApi();
    const client = createApiClient({ baseUrl: new URL(api.url), fetch, sign });

    // Act
    const accepted = await client.requestAmis({
      instance_name_list: ['service-api'],
      request_id: 'r-1',
    });

    // Assess
    expect(accepted.requestId).toBe('r-1');
    const [call] = api.calls;
    expect(call?.headers['x-amz-date']).toBe('20250620T030405Z');
    expect(call?.headers['x-amz-security-token']).toBe(CREDENTIALS.sessionToken);
    expect(call?.headers.authorization).toContain(
      `Credential=AKIDEXAMPLE/20250620/${REGION}/execute-api/aws4_request`,
    );
  });

  it('should sign a GET of a request’s status so that it verifies', async () => {
    api = await verifyingApi();
    const client = createApiClient({ baseUrl: new URL(api.url), fetch, sign });

    const status = await client.getRequestStatus('r-1');

    expect(status.state).toBe('available');
  });

  it('should not verify once the signed body is changed on the way', async () => {
    // Prepare: the body is swapped after signing, as a tampering proxy would.
    api = await verifyingApi();
    const tampering: typeof fetch = (input, init) =>
      fetch(input, {
        ...init,
        body: JSON.stringify({ instance_name_list: ['service-db'], request_id: 'r-1' }),
      });
    const client = createApiClient({ baseUrl: new URL(api.url), fetch: tampering, sign });

    // Act
    const answer = client.requestAmis({ instance_name_list: ['service-api'], request_id: 'r-1' });

    // Assess
    await expect(answer).rejects.toBeInstanceOf(ApiRefusedError);
    await expect(answer).rejects.toThrow(/answered 403/);
  });

  it('should not verify once the signed path is changed on the way', async () => {
    api = await verifyingApi();
    const tampering: typeof fetch = (input, init) =>
      fetch(String(input).replace('/requests/r-1', '/requests/r-2'), init);
    const client = createApiClient({ baseUrl: new URL(api.url), fetch: tampering, sign });

    await expect(client.getRequestStatus('r-1')).rejects.toThrow(/answered 403/);
  });
});

describe('regionOfApiHost', () => {
  it.each([
    ['abc123.execute-api.eu-west-1.amazonaws.com', 'eu-west-1'],
    ['abc123.execute-api.cn-north-1.amazonaws.com.cn', 'cn-north-1'],
    ['ami.example.com', undefined],
  ])('should read the Region of %s as %s', (host, region) => {
    expect(regionOfApiHost(host)).toBe(region);
  });
});
