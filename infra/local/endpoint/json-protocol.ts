import { randomUUID } from 'node:crypto';
import { describeIssues } from '../../../events/issues';
import type * as z from '../../../events/zod';
import type { LocalRequest, LocalResponse } from '../protocol';

/**
 * The AWS JSON protocols (1.0 for Step Functions, 1.1 for EventBridge): the operation is named by
 * `X-Amz-Target: <Prefix>.<Operation>`, errors carry their code in `__type` with an HTTP status.
 */
export class AwsJsonError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'AwsJsonError';
  }
}

export type JsonOperation = (input: unknown) => unknown;

export interface JsonServiceOptions {
  readonly targetPrefix: string;
  readonly contentType: string;
  readonly operations: Readonly<Record<string, JsonOperation>>;
  /** Maps a domain error to an AWS error, or returns undefined to answer 500 InternalFailure. */
  readonly mapError: (error: unknown) => AwsJsonError | undefined;
}

export function createJsonService(options: JsonServiceOptions) {
  const respond = (statusCode: number, body: unknown): LocalResponse => ({
    statusCode,
    headers: { 'content-type': options.contentType, 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify(body),
  });
  const fail = (error: AwsJsonError) =>
    respond(error.statusCode, { __type: error.code, message: error.message });

  return {
    async handle(request: LocalRequest): Promise<LocalResponse> {
      const target = request.headers['x-amz-target'] ?? '';
      const operationName = target.startsWith(`${options.targetPrefix}.`)
        ? target.slice(options.targetPrefix.length + 1)
        : '';
      const operation = Object.hasOwn(options.operations, operationName)
        ? options.operations[operationName]
        : undefined;
      if (!operation) {
        return fail(
          new AwsJsonError('UnknownOperationException', `Unknown operation ${target || '(none)'}`),
        );
      }
      let input: unknown;
      try {
        input = request.body.trim() === '' ? {} : JSON.parse(request.body);
      } catch {
        return fail(
          new AwsJsonError('SerializationException', 'The request body is not valid JSON.'),
        );
      }
      try {
        return respond(200, (await operation(input)) ?? {});
      } catch (error) {
        if (error instanceof AwsJsonError) return fail(error);
        const mapped = options.mapError(error);
        if (mapped) return fail(mapped);
        return fail(
          new AwsJsonError('InternalFailure', String((error as Error)?.message ?? error), 500),
        );
      }
    },
  };
}

/** Parses an operation's input, answering `ValidationException` naming every offending field. */
export function parseInput<Schema extends z.ZodMiniType>(
  schema: Schema,
  input: unknown,
): z.output<Schema> {
  const result = schema.safeParse(input);
  if (!result.success) {
    throw new AwsJsonError(
      'ValidationException',
      `Invalid request: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}
