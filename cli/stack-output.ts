import { type CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';

/** The stack output (infra/stack.ts) holding `https://…/prod/create-ami`. */
export const CREATE_AMI_URL_OUTPUT = 'CreateAmiUrl';

/**
 * The API's base URL from the stack's `CreateAmiUrl` output, or undefined when the stack cannot
 * be found this way: no such stack, no credentials or no Region. Those mean "not deployed here",
 * so the caller falls back to the local cloud; any other error (access denied, throttling) is a
 * real problem and propagates.
 */
export async function readStackApiUrl(
  cloudFormation: CloudFormationClient,
  stackName: string,
): Promise<string | undefined> {
  let outputs: { OutputKey?: string; OutputValue?: string }[] | undefined;
  try {
    const answer = await cloudFormation.send(new DescribeStacksCommand({ StackName: stackName }));
    outputs = answer.Stacks?.[0]?.Outputs;
  } catch (error) {
    if (meansNoStack(error)) return undefined;
    throw error;
  }
  const createAmiUrl = outputs?.find((output) => output.OutputKey === CREATE_AMI_URL_OUTPUT);
  return createAmiUrl?.OutputValue?.replace(/\/create-ami\/?$/, '');
}

function meansNoStack(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  // DescribeStacks answers ValidationError "Stack with id … does not exist" for a missing stack.
  if (error.name === 'ValidationError' && /does not exist/.test(error.message)) return true;
  return error.name === 'CredentialsProviderError' || /region is missing/i.test(error.message);
}
