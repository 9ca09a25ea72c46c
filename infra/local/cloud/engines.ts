import { join } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../account';
import { type LocalDynamoDb, startLocalDynamoDb } from '../dynamodb/local-dynamodb';
import type { Ec2Service, ImageStateEvents } from '../ec2';
import type { EventBus } from '../events/bus';
import type { RetryTiming } from '../events/delivery';
import { createStepFunctions, type StepFunctions } from '../sfn/step-functions';
import { type LocalSqs, startLocalSqs } from '../sqs/local-sqs';
import type { SsmService } from '../ssm';
import type { LocalTemplate } from '../template/local-template';
import { DEFAULT_TEMPLATE_CACHE_DIR } from '../template/template-cache';
import type { Timeline } from '../timeline';
import { createLocalBus } from './bus';
import { busTargetInvoker } from './bus-targets';
import { createLocalEc2, type LocalEc2Options } from './ec2';
import { functionNamed, type LocalFunctions } from './functions';
import { type WatcherClients, watcherClients } from './sdk-tasks';
import type { StatePaths } from './state';
import { taskHandlers } from './task-handlers';

export interface EngineOptions extends LocalEc2Options {
  readonly waitScale: number;
  readonly queueTimeScale?: number;
  readonly asyncRetryDelayMs?: number;
  readonly retryIntervalMs?: number;
  readonly deliveryRetry?: RetryTiming;
}

export interface EngineContext {
  readonly options: EngineOptions;
  readonly paths: StatePaths;
  readonly template: LocalTemplate;
  readonly functions: LocalFunctions;
  readonly timeline: Timeline;
  /** The AWS endpoint's URL, known once it has started (after the engines). */
  readonly endpointUrl: () => string;
}

/** The emulated AWS services the template's resources run on. */
export interface Engines {
  readonly ec2: Ec2Service;
  readonly ssm: SsmService;
  readonly amiStateEvents: ImageStateEvents;
  readonly bus: EventBus;
  readonly sqs: LocalSqs;
  readonly dynamodb: LocalDynamoDb;
  readonly stepFunctions: StepFunctions;
  readonly watcherClients: WatcherClients;
}

/**
 * Creates the engines, each given the others it calls: EC2 publishes on the bus, the bus starts
 * executions and fills queues, queues and Tasks invoke functions, Tasks publish on the bus.
 */
export async function startEngines(context: EngineContext): Promise<Engines> {
  const { options, paths, template, functions, timeline } = context;
  const { ec2, ssm, amiStateEvents } = createLocalEc2(options, paths, (entry) =>
    bus.putEvents([entry]),
  );
  const invokeTarget = busTargetInvoker({
    timeline,
    functions,
    asyncRetryDelayMs: options.asyncRetryDelayMs ?? 1_000,
    stepFunctions: () => stepFunctions,
    queues: () => sqs.queues,
  });
  const bus = createLocalBus(template, paths, timeline, invokeTarget, options.deliveryRetry);
  const sqs = startLocalSqs({
    template,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    timeScale: options.queueTimeScale ?? options.waitScale,
    statePath: paths.sqs,
    invokeFunction: (name, event) => {
      const fn = functionNamed(functions, name);
      if (!fn) throw new Error(`no local function ${name}`);
      return fn.invoke(event);
    },
    onDeadLetter: (letter) => bus.keepDeadLetter(letter),
    timeline,
  });
  // Started before Step Functions: executions rerun at restart write to the tables at once.
  const dynamodb = await startLocalDynamoDb({
    path: paths.dynamodb,
    tables: template.tables,
    region: LOCAL_REGION,
  });
  const watcher = watcherClients(context.endpointUrl);
  const stepFunctions = createStepFunctions({
    waitScale: options.waitScale,
    // Retries wait 1 s locally, whatever their interval on AWS (a purge run's lock wait is 60 s).
    retryIntervalMs: options.retryIntervalMs ?? 1_000,
    stateFile: paths.executions,
    runningAtRestart: 'rerun',
    validatedDefinitionsDir: join(DEFAULT_TEMPLATE_CACHE_DIR, 'valid-definitions'),
    taskHandlers: taskHandlers({
      functions,
      dynamodb: dynamodb.client,
      bus,
      watcherClients: watcher,
      stepFunctions: () => stepFunctions,
    }),
  });
  return { ec2, ssm, amiStateEvents, bus, sqs, dynamodb, stepFunctions, watcherClients: watcher };
}
