import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { dynamoDbTaskHandler } from '../dynamodb/table-tasks';
import type { EventBus } from '../events/bus';
import { putEventsTaskHandler } from '../events/put-events-task';
import type { StepFunctions, TaskHandler } from '../sfn/step-functions';
import { invokeFromStateMachine } from './function-invocation';
import type { LocalFunctions } from './functions';
import {
  describeImagesTask,
  putParameterTask,
  sendTaskSuccessTask,
  type WatcherClients,
} from './sdk-tasks';

/** The Task resources of the template's state machines, each answered locally. */
export const TASKS = {
  describeImages: 'arn:aws:states:::aws-sdk:ec2:describeImages',
  putEvents: 'arn:aws:states:::events:putEvents',
  putItemAndWait: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
  deleteItem: 'arn:aws:states:::aws-sdk:dynamodb:deleteItem',
  getItem: 'arn:aws:states:::dynamodb:getItem',
  updateItem: 'arn:aws:states:::dynamodb:updateItem',
  putParameter: 'arn:aws:states:::aws-sdk:ssm:putParameter',
  sendTaskSuccess: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
} as const;

export interface TaskServices {
  readonly functions: LocalFunctions;
  readonly dynamodb: DynamoDBClient;
  readonly bus: EventBus;
  readonly watcherClients: WatcherClients;
  /** The Step Functions these handlers are given to (the wake-up sends task successes to it). */
  readonly stepFunctions: () => StepFunctions;
}

/** What answers each Task resource of the template's state machines. */
export function taskHandlers(services: TaskServices): Record<string, TaskHandler> {
  const { functions, dynamodb, bus } = services;
  return {
    // Lambda Tasks (the purge run's steps) invoke the local function.
    ...Object.fromEntries(
      [...functions.values()].map(({ spec }) => [
        spec.arn,
        (input: unknown) => invokeFromStateMachine(functions.get(spec.arn)?.instance, input),
      ]),
    ),
    [TASKS.putItemAndWait]: dynamoDbTaskHandler(dynamodb, TASKS.putItemAndWait),
    [TASKS.deleteItem]: dynamoDbTaskHandler(dynamodb, TASKS.deleteItem),
    [TASKS.getItem]: dynamoDbTaskHandler(dynamodb, TASKS.getItem),
    [TASKS.updateItem]: dynamoDbTaskHandler(dynamodb, TASKS.updateItem),
    [TASKS.sendTaskSuccess]: (input) => sendTaskSuccessTask(services.stepFunctions(), input),
    [TASKS.describeImages]: (input) => describeImagesTask(services.watcherClients.ec2(), input),
    [TASKS.putParameter]: (input) => putParameterTask(services.watcherClients.ssm(), input),
    [TASKS.putEvents]: putEventsTaskHandler(bus),
  };
}
