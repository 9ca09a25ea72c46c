import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { SSMClient } from '@aws-sdk/client-ssm';
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

/** Answers the watcher's `ec2:describeImages` task through the local EC2, as the SDK integration does. */
export async function describeImagesTask(client: EC2Client, input: unknown): Promise<unknown> {
  try {
    const { $metadata: _metadata, ...output } = await client.send(
      new DescribeImagesCommand(input as never),
    );
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    const failure = new Error((error as Error).message);
    failure.name = `Ec2.${(error as Error).name}`;
    throw failure;
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
