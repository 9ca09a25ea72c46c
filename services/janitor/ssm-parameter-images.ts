import { GetParametersByPathCommand, type SSMClient } from '@aws-sdk/client-ssm';

/** GetParametersByPath returns at most 10 parameters a call. */
const PARAMETER_PAGE_SIZE = 10;

/**
 * Every AMI id held by an SSM parameter under `prefix` (recursively), as image id → parameter
 * name. A `StringList` counts when any of its items is the id. Values are read without
 * decryption: an AMI id is not a secret, and decrypting would need KMS permissions.
 */
export async function readSsmParameterImages(
  ssm: SSMClient,
  prefix: string,
): Promise<Map<string, string>> {
  const held = new Map<string, string>();
  let nextToken: string | undefined;
  do {
    const page = await ssm.send(
      new GetParametersByPathCommand({
        Path: prefix,
        Recursive: true,
        WithDecryption: false,
        MaxResults: PARAMETER_PAGE_SIZE,
        NextToken: nextToken,
      }),
    );
    for (const parameter of page.Parameters ?? []) {
      if (parameter.Name === undefined || parameter.Value === undefined) continue;
      const values =
        parameter.Type === 'StringList' ? parameter.Value.split(',') : [parameter.Value];
      for (const value of values) {
        const imageId = value.trim();
        if (imageId.startsWith('ami-') && !held.has(imageId)) held.set(imageId, parameter.Name);
      }
    }
    // SSM may answer a page with fewer parameters than asked, even none, and a token.
    nextToken = page.NextToken;
  } while (nextToken);
  return held;
}
