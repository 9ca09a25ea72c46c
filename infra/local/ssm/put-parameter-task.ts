import { PutParameterCommand, type SSMClient } from '@aws-sdk/client-ssm';

/**
 * Answers a state machine's `ssm:putParameter` Task (the AWS SDK integration) through the local
 * Parameter Store, over its API as on AWS; an SSM error fails the Task as `Ssm.<Code>`.
 */
export async function putParameterTask(client: SSMClient, input: unknown): Promise<unknown> {
  try {
    const { $metadata: _metadata, ...output } = await client.send(
      new PutParameterCommand(input as never),
    );
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    throw Object.assign(new Error((error as Error).message), {
      name: `Ssm.${(error as Error).name}`,
    });
  }
}
