import { Sha256 } from '@aws-crypto/sha256-js';
import { SignatureV4 } from '@smithy/signature-v4';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

/** One HTTP call as the API client makes it, before and after signing. */
export interface HttpCall {
  readonly method: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type SignCall = (call: HttpCall) => Promise<HttpCall>;

export interface SigV4Options {
  readonly credentials: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  readonly region: string;
  /** Fixed in tests so a signature can be recomputed; the system clock otherwise. */
  readonly clock?: () => Date;
}

/** Signs calls to API Gateway (service `execute-api`) with AWS Signature Version 4. */
export function createSigV4Signer(options: SigV4Options): SignCall {
  const signer = new SignatureV4({
    service: 'execute-api',
    region: options.region,
    credentials: options.credentials,
    sha256: Sha256,
  });
  const clock = options.clock ?? (() => new Date());
  return async (call) => {
    const query: Record<string, string> = {};
    for (const [key, value] of call.url.searchParams) query[key] = value;
    const signed = await signer.sign(
      {
        method: call.method,
        protocol: call.url.protocol,
        hostname: call.url.hostname,
        path: call.url.pathname,
        query,
        // The host header is part of every signature; fetch sends the same value.
        headers: { ...call.headers, host: call.url.host },
        body: call.body,
      },
      { signingDate: clock() },
    );
    const { host: _host, ...headers } = signed.headers;
    return { ...call, headers };
  };
}

const EXECUTE_API_HOST = /\.execute-api\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$/;

/** The Region of a default execute-api host; undefined for a custom domain. */
export function regionOfApiHost(hostname: string): string | undefined {
  return EXECUTE_API_HOST.exec(hostname)?.[1];
}
