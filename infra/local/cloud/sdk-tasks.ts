import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
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

export interface WatcherEc2 {
  client(): EC2Client;
  destroy(): void;
}

/**
 * The client of the watcher's EC2 calls, which go over HTTP like a service integration's. The
 * endpoint it needs starts after Step Functions, so the client is made on first use.
 */
export function watcherEc2(endpointUrl: () => string): WatcherEc2 {
  let client: EC2Client | undefined;
  return {
    client() {
      client ??= new EC2Client({
        endpoint: endpointUrl(),
        region: LOCAL_REGION,
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      return client;
    },
    destroy: () => client?.destroy(),
  };
}
