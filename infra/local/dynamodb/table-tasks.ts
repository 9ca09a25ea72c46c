import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import * as z from '../../../events/zod';

/**
 * Step Functions' two ways of calling DynamoDB, with the error names each gives: the AWS SDK
 * integration (`arn:aws:states:::aws-sdk:dynamodb:putItem`, errors `DynamoDb.<Code>`) and the
 * optimized one (`arn:aws:states:::dynamodb:getItem`, errors `DynamoDB.<Code>`). A callback
 * suffix (`.waitForTaskToken`) changes nothing here: the engine waits for the token.
 */
const TASK_RESOURCE =
  /^arn:aws:states:::(aws-sdk:)?dynamodb:(putItem|getItem|deleteItem|updateItem)(\.waitForTaskToken)?$/;

// The attribute values are checked by the SDK's serializer and by DynamoDB itself.
const CALLS = {
  putItem: (client: DynamoDBClient, input: never) => client.send(new PutItemCommand(input)),
  getItem: (client: DynamoDBClient, input: never) => client.send(new GetItemCommand(input)),
  deleteItem: (client: DynamoDBClient, input: never) => client.send(new DeleteItemCommand(input)),
  updateItem: (client: DynamoDBClient, input: never) => client.send(new UpdateItemCommand(input)),
} as const;

const TaskInput = z.looseObject({ TableName: z.string() });

export class UnsupportedTaskResourceError extends Error {
  constructor(resource: string) {
    super(`no local DynamoDB Task answers ${resource}`);
    this.name = 'UnsupportedTaskResourceError';
  }
}

/**
 * Answers a state machine's DynamoDB Task on the local DynamoDB: the Task's parameters are the
 * API request, its result the API response; a DynamoDB error fails the Task with the name the
 * integration gives it, so the definition's Retry and Catch match as on AWS.
 */
export function dynamoDbTaskHandler(
  client: DynamoDBClient,
  resource: string,
): (input: unknown) => Promise<unknown> {
  const match = TASK_RESOURCE.exec(resource);
  if (!match) throw new UnsupportedTaskResourceError(resource);
  const errorPrefix = match[1] ? 'DynamoDb' : 'DynamoDB';
  const call = CALLS[match[2] as keyof typeof CALLS];
  return async (input) => {
    const parsed = TaskInput.safeParse(input);
    if (!parsed.success) {
      throw Object.assign(new Error('The Task parameters name no TableName'), {
        name: `${errorPrefix}.ValidationException`,
      });
    }
    try {
      const { $metadata: _metadata, ...output } = await call(client, parsed.data as never);
      return JSON.parse(JSON.stringify(output));
    } catch (error) {
      if (!isServiceError(error)) throw error;
      throw Object.assign(new Error(error.message), { name: `${errorPrefix}.${error.name}` });
    }
  };
}

function isServiceError(error: unknown): error is Error {
  return error instanceof Error && '$metadata' in error && '$fault' in error;
}
