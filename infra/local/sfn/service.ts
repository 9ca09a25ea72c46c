import * as z from '../../../events/zod';
import { AwsJsonError, createJsonService, parseInput } from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import { SfnApiError } from './sfn-api-error';
import type { StepFunctions } from './step-functions';
import type { ExecutionRecord } from './store';

const statuses = z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']);

const startInput = z.object({
  stateMachineArn: z.string(),
  name: z.optional(z.string()),
  input: z.optional(z.string()),
  traceHeader: z.optional(z.string()),
});
const executionRef = z.object({ executionArn: z.string() });
const listInput = z.object({
  stateMachineArn: z.string(),
  statusFilter: z.optional(statuses),
  maxResults: z.optional(z.int().check(z.minimum(0), z.maximum(1000))),
  nextToken: z.optional(z.string()),
});
const stopInput = z.object({
  executionArn: z.string(),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
});

const taskSuccessInput = z.object({ taskToken: z.string(), output: z.string() });
const taskFailureInput = z.object({
  taskToken: z.string(),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
});

/** The JSON protocols carry timestamps as epoch seconds. */
const epochSeconds = (iso: string) => Date.parse(iso) / 1_000;

function summary(record: ExecutionRecord) {
  return {
    executionArn: record.executionArn,
    stateMachineArn: record.stateMachineArn,
    name: record.name,
    status: record.status,
    startDate: epochSeconds(record.startDate),
    ...(record.stopDate ? { stopDate: epochSeconds(record.stopDate) } : {}),
  };
}

/** Step Functions' JSON 1.0 API (`X-Amz-Target: AWSStepFunctions.*`). */
export function createSfnService(stepFunctions: StepFunctions): LocalService {
  return createJsonService({
    targetPrefix: 'AWSStepFunctions',
    contentType: 'application/x-amz-json-1.0',
    mapError: (error) =>
      error instanceof SfnApiError ? new AwsJsonError(error.code, error.message) : undefined,
    operations: {
      StartExecution(input) {
        const request = parseInput(startInput, input);
        const result = stepFunctions.startExecution({
          stateMachineArn: request.stateMachineArn,
          ...(request.name === undefined ? {} : { name: request.name }),
          ...(request.input === undefined ? {} : { input: request.input }),
        });
        return { executionArn: result.executionArn, startDate: result.startDate.getTime() / 1_000 };
      },

      DescribeExecution(input) {
        const record = stepFunctions.describeExecution(
          parseInput(executionRef, input).executionArn,
        );
        return {
          ...summary(record),
          input: record.input,
          inputDetails: { included: true },
          ...(record.output === undefined
            ? {}
            : { output: record.output, outputDetails: { included: true } }),
          ...(record.error === undefined ? {} : { error: record.error }),
          ...(record.cause === undefined ? {} : { cause: record.cause }),
        };
      },

      ListExecutions(input) {
        const request = parseInput(listInput, input);
        const page = stepFunctions.listExecutions({
          stateMachineArn: request.stateMachineArn,
          ...(request.statusFilter ? { statusFilter: request.statusFilter } : {}),
          ...(request.maxResults ? { maxResults: request.maxResults } : {}),
          ...(request.nextToken ? { nextToken: request.nextToken } : {}),
        });
        return {
          executions: page.executions.map(summary),
          ...(page.nextToken ? { nextToken: page.nextToken } : {}),
        };
      },

      StopExecution(input) {
        const request = parseInput(stopInput, input);
        const { stopDate } = stepFunctions.stopExecution(
          request.executionArn,
          request.error,
          request.cause,
        );
        return { stopDate: stopDate.getTime() / 1_000 };
      },

      SendTaskSuccess(input) {
        const request = parseInput(taskSuccessInput, input);
        stepFunctions.sendTaskSuccess(request.taskToken, request.output);
        return {};
      },

      SendTaskFailure(input) {
        const request = parseInput(taskFailureInput, input);
        stepFunctions.sendTaskFailure(request.taskToken, request.error, request.cause);
        return {};
      },
    },
  });
}
