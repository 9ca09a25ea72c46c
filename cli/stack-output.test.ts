import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { readStackApiUrl } from './stack-output';

const cloudFormationMock = mockClient(CloudFormationClient);
const cloudFormation = new CloudFormationClient({ region: 'eu-west-1' });

beforeEach(() => cloudFormationMock.reset());

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name });
}

describe('readStackApiUrl', () => {
  it('should derive the stage URL from the CreateAmiUrl output', async () => {
    cloudFormationMock.on(DescribeStacksCommand, { StackName: 'ami-lifecycle' }).resolves({
      Stacks: [
        {
          StackName: 'ami-lifecycle',
          CreationTime: new Date(),
          StackStatus: 'CREATE_COMPLETE',
          Outputs: [
            { OutputKey: 'EventBusName', OutputValue: 'AmiLifecycle' },
            {
              OutputKey: 'CreateAmiUrl',
              OutputValue: 'https://abc123.execute-api.eu-west-1.amazonaws.com/prod/create-ami',
            },
          ],
        },
      ],
    });

    const url = await readStackApiUrl(cloudFormation, 'ami-lifecycle');

    expect(url).toBe('https://abc123.execute-api.eu-west-1.amazonaws.com/prod');
  });

  it('should answer undefined for a stack that does not exist', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(awsError('ValidationError', 'Stack with id ami-lifecycle does not exist'));

    expect(await readStackApiUrl(cloudFormation, 'ami-lifecycle')).toBeUndefined();
  });

  it('should let a refusal through rather than silently target the local cloud', async () => {
    cloudFormationMock
      .on(DescribeStacksCommand)
      .rejects(
        awsError('AccessDenied', 'not authorized to perform: cloudformation:DescribeStacks'),
      );

    await expect(readStackApiUrl(cloudFormation, 'ami-lifecycle')).rejects.toThrow(
      /not authorized/,
    );
  });
});
