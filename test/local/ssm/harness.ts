import { EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  createEc2Service,
  type Ec2Service,
  type Ec2ServiceOptions,
} from '../../../infra/local/ec2';
import { type LocalEndpoint, startLocalEndpoint } from '../../../infra/local/endpoint';
import { createSsmService, type SsmService, type SsmState } from '../../../infra/local/ssm';
import { DUMMY_CREDENTIALS, type TestClock, testClock } from '../ec2/harness';

export interface RunningParameterStore {
  ec2: Ec2Service;
  ssm: SsmService;
  endpoint: LocalEndpoint;
  /** The real SDK clients, with retries off so a test sees every error answered. */
  ec2Client: EC2Client;
  ssmClient: SSMClient;
  clock: TestClock;
  close(): Promise<void>;
}

/**
 * EC2 and Parameter Store behind the local cloud's single endpoint on a free port, wired as the
 * local cloud wires them: EC2 reads the store for `resolve:ssm:` aliases and image references.
 */
export async function startParameterStore(
  options: { ec2?: Ec2ServiceOptions; ssmState?: SsmState } = {},
): Promise<RunningParameterStore> {
  const clock = testClock();
  const ssm = createSsmService({
    now: clock.now,
    ...(options.ssmState ? { state: options.ssmState } : {}),
  });
  const ec2 = createEc2Service({
    now: clock.now,
    throttling: false,
    ssmParameters: ssm.parameters,
    ...options.ec2,
  });
  const endpoint = await startLocalEndpoint({ port: 0, services: { ec2, ssm } });
  const config = {
    endpoint: endpoint.url,
    region: 'us-east-1',
    credentials: DUMMY_CREDENTIALS,
    maxAttempts: 1,
  };
  const ec2Client = new EC2Client(config);
  const ssmClient = new SSMClient(config);
  return {
    ec2,
    ssm,
    endpoint,
    ec2Client,
    ssmClient,
    clock,
    close: async () => {
      ec2Client.destroy();
      ssmClient.destroy();
      await endpoint.close();
    },
  };
}
