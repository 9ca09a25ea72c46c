import * as z from '../../../events/zod';
import {
  AwsJsonError,
  createJsonService,
  type JsonOperation,
  parseInput,
} from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import type { HistoryEvent } from './history';
import { decodePageToken, encodePageToken } from './page-token';
import { SfnApiError } from './sfn-api-error';
import type { MapRunSummary, RegisteredStateMachine, StepFunctions } from './step-functions';
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
  stateMachineArn: z.optional(z.string()),
  mapRunArn: z.optional(z.string()),
  statusFilter: z.optional(statuses),
  maxResults: z.optional(z.int().check(z.minimum(0), z.maximum(1000))),
  nextToken: z.optional(z.string()),
});
const listMachinesInput = z.object({
  maxResults: z.optional(z.int().check(z.minimum(0), z.maximum(1000))),
  nextToken: z.optional(z.string()),
});
const machineRef = z.object({ stateMachineArn: z.string() });
const historyInput = z.object({
  executionArn: z.string(),
  maxResults: z.optional(z.int().check(z.minimum(0), z.maximum(1000))),
  reverseOrder: z.optional(z.boolean()),
  nextToken: z.optional(z.string()),
  includeExecutionData: z.optional(z.boolean()),
});
const mapRunsInput = z.object({
  executionArn: z.string(),
  maxResults: z.optional(z.int().check(z.minimum(0), z.maximum(1000))),
  nextToken: z.optional(z.string()),
});
const mapRunRef = z.object({ mapRunArn: z.string() });
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
    ...(record.mapRunArn ? { mapRunArn: record.mapRunArn } : {}),
  };
}

/** A list call's paging as the engine takes it: only what the caller gave. */
function paging(request: { maxResults?: number | undefined; nextToken?: string | undefined }) {
  return {
    ...(request.maxResults ? { maxResults: request.maxResults } : {}),
    ...(request.nextToken ? { nextToken: request.nextToken } : {}),
  };
}

/** The token of the next page, in an answer, when there is one. */
function nextPage(page: { nextToken?: string }) {
  return page.nextToken ? { nextToken: page.nextToken } : {};
}

/** A Map Run on the wire: its dates as epoch seconds. */
function withEpochDates<Run extends MapRunSummary>(run: Run) {
  return {
    ...run,
    startDate: epochSeconds(run.startDate),
    ...(run.stopDate === undefined ? {} : { stopDate: epochSeconds(run.stopDate) }),
  };
}

function machineSummary(machine: RegisteredStateMachine) {
  return {
    stateMachineArn: machine.arn,
    name: machine.name,
    type: machine.type ?? 'STANDARD',
    creationDate: epochSeconds(machine.creationDate),
  };
}

/** A history event on the wire; without execution data, inputs and outputs are left out. */
function historyEvent(event: HistoryEvent, includeExecutionData: boolean) {
  const details = includeExecutionData
    ? event.details
    : Object.fromEntries(
        Object.entries(event.details ?? {}).map(([key, value]) => [
          key,
          Object.fromEntries(
            Object.entries(value as Record<string, unknown>).filter(
              ([field]) => !['input', 'output', 'parameters'].includes(field),
            ),
          ),
        ]),
      );
  return {
    id: event.id,
    previousEventId: event.previousEventId,
    timestamp: epochSeconds(event.timestamp),
    type: event.type,
    ...details,
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
      ...executionOperations(stepFunctions),
      ...historyOperations(stepFunctions),
      ...stateMachineOperations(stepFunctions),
      ...taskTokenOperations(stepFunctions),
    },
  });
}

/** Starting, describing, listing and stopping executions. */
function executionOperations(stepFunctions: StepFunctions): Record<string, JsonOperation> {
  return {
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
      const record = stepFunctions.describeExecution(parseInput(executionRef, input).executionArn);
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
        ...(request.stateMachineArn === undefined
          ? {}
          : { stateMachineArn: request.stateMachineArn }),
        ...(request.mapRunArn === undefined ? {} : { mapRunArn: request.mapRunArn }),
        ...(request.statusFilter ? { statusFilter: request.statusFilter } : {}),
        ...paging(request),
      });
      return {
        executions: page.executions.map(summary),
        ...nextPage(page),
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
  };
}

/** An execution's history and its Map Runs. */
function historyOperations(stepFunctions: StepFunctions): Record<string, JsonOperation> {
  return {
    GetExecutionHistory(input) {
      const request = parseInput(historyInput, input);
      const page = stepFunctions.getExecutionHistory(request.executionArn, {
        ...paging(request),
        ...(request.reverseOrder ? { reverseOrder: true } : {}),
      });
      return {
        events: page.events.map((event) =>
          historyEvent(event, request.includeExecutionData ?? true),
        ),
        ...nextPage(page),
      };
    },

    ListMapRuns(input) {
      const request = parseInput(mapRunsInput, input);
      const page = stepFunctions.listMapRuns(request.executionArn, paging(request));
      return {
        mapRuns: page.mapRuns.map(withEpochDates),
        ...nextPage(page),
      };
    },

    DescribeMapRun(input) {
      return withEpochDates(stepFunctions.describeMapRun(parseInput(mapRunRef, input).mapRunArn));
    },
  };
}

/** Inspecting the registered state machines. */
function stateMachineOperations(stepFunctions: StepFunctions): Record<string, JsonOperation> {
  return {
    ListStateMachines(input) {
      const request = parseInput(listMachinesInput, input);
      const machines = [...stepFunctions.listStateMachines()].sort((a, b) =>
        a.name.localeCompare(b.name),
      );
      const pageSize = request.maxResults || 100;
      const offset = request.nextToken === undefined ? 0 : decodePageToken(request.nextToken);
      return {
        stateMachines: machines.slice(offset, offset + pageSize).map(machineSummary),
        ...(offset + pageSize < machines.length
          ? { nextToken: encodePageToken(offset + pageSize) }
          : {}),
      };
    },

    DescribeStateMachine(input) {
      const machine = stepFunctions.describeStateMachine(
        parseInput(machineRef, input).stateMachineArn,
      );
      return {
        ...machineSummary(machine),
        status: 'ACTIVE',
        definition: JSON.stringify(machine.definition),
        ...(machine.roleArn ? { roleArn: machine.roleArn } : {}),
      };
    },
  };
}

/** The answers a callback Task waits for. */
function taskTokenOperations(stepFunctions: StepFunctions): Record<string, JsonOperation> {
  return {
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
  };
}
