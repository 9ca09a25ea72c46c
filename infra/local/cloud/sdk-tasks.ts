import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { PutParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { LOCAL_REGION } from '../account';
import { SfnApiError } from '../sfn/sfn-api-error';
import type { StepFunctions } from '../sfn/step-functions';

/**
 * Answers the wake-up's `sfn:sendTaskSuccess` task as the SDK integration does: Step Functions'
 * API errors become `Sfn.<Code>Exception`, which the state machine's Catch names.
 */
export function sendTaskSuccessTask(stepFunctions: StepFunctions, input: unknown): unknown {
  const { TaskToken, Output } = input as { TaskToken: string; Output: string };
  try {
    stepFunctions.sendTaskSuccess(TaskToken, Output);
    return {};
  } catch (error) {
    if (!(error instanceof SfnApiError)) throw error;
    throw Object.assign(new Error(error.message), { name: `Sfn.${error.code}Exception` });
  }
}

/** Answers the watcher's `ec2:describeImages` task through the local EC2. */
export function describeImagesTask(client: EC2Client, input: unknown): Promise<unknown> {
  return sdkIntegrationTask('Ec2', () => client.send(new DescribeImagesCommand(input as never)));
}

/** Answers the watcher's `ssm:putParameter` task through the local Parameter Store. */
export function putParameterTask(client: SSMClient, input: unknown): Promise<unknown> {
  return sdkIntegrationTask('Ssm', () => client.send(new PutParameterCommand(input as never)));
}

/**
 * A call made as Step Functions' AWS SDK integration makes it, over the service's API: the result
 * is the response without its metadata, and an error fails the Task as `<Service>.<Code>`, the
 * name the state machine's Retry and Catch see.
 */
async function sdkIntegrationTask(
  service: string,
  call: () => Promise<{ $metadata: unknown }>,
): Promise<unknown> {
  try {
    const { $metadata: _metadata, ...output } = await call();
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), {
      name: `${service}.${(error as Error).name}`,
    });
  }
}

export interface WatcherClients {
  ec2(): EC2Client;
  ssm(): SSMClient;
  destroy(): void;
}

/**
 * The clients of the watcher's EC2 and SSM calls, which go over HTTP like a service
 * integration's. The endpoint they need starts after Step Functions, so each is made on first use.
 */
export function watcherClients(endpointUrl: () => string): WatcherClients {
  const config = () => ({
    endpoint: endpointUrl(),
    region: LOCAL_REGION,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  let ec2: EC2Client | undefined;
  let ssm: SSMClient | undefined;
  return {
    ec2() {
      ec2 ??= new EC2Client(config());
      return ec2;
    },
    ssm() {
      ssm ??= new SSMClient(config());
      return ssm;
    },
    destroy: () => {
      ec2?.destroy();
      ssm?.destroy();
    },
  };
}
