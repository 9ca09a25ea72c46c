import type { EC2Client } from '@aws-sdk/client-ec2';
import type { Clock } from '../services/shared/clock';
import type { OutputStream } from './output-stream';
import type { SignCall } from './sign-request';

/** Everything the commands touch outside themselves; main.ts builds the real ones. */
export interface CliDeps {
  readonly stdout: OutputStream;
  readonly stderr: OutputStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly clock: Clock;
  readonly sleep: (ms: number) => Promise<void>;
  readonly fetch: typeof fetch;
  /** Between two status polls while waiting. */
  readonly pollIntervalMs: number;
  /** A request id for a request that names none, so a retried POST creates no second AMI. */
  readonly newRequestId: () => string;
  readonly readStackApiUrl: (stackName: string) => Promise<string | undefined>;
  /** A SigV4 signer for an API on AWS, with the caller's credentials. */
  readonly signerFor: (apiUrl: URL) => Promise<SignCall>;
  /** Async: the EC2 client is loaded only by the commands that use it. */
  readonly ec2For: (endpoint: Ec2Endpoint) => Promise<EC2Client>;
}

export interface Ec2Endpoint {
  /** Absent: EC2 of the SDK's Region, with the SDK's credential chain. */
  readonly endpointUrl?: string;
  readonly region?: string;
  /** The local cloud's endpoint takes any credentials; fixed ones spare a lookup. */
  readonly local: boolean;
}
