import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { parseSettings } from '../settings';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './account';
import { startApiGateway } from './api-gateway';
import { defaultFixture } from './default-fixture';
import { startLocalDynamoDb } from './dynamodb/local-dynamodb';
import { dynamoDbTaskHandler } from './dynamodb/table-tasks';
import {
  createEc2Service,
  type Ec2Fixture,
  type Ec2Service,
  imageStateEvents,
  type ThrottlingOptions,
} from './ec2';
import { startLocalEndpoint } from './endpoint';
import { createEventBus, type EventBus } from './events/bus';
import { describeDeadLetter } from './events/dead-letter';
import type { RetryTiming } from './events/delivery';
import { TargetInvocationError } from './events/model';
import { putEventsTaskHandler } from './events/put-events-task';
import { createEventsService } from './events/service';
import { FunctionInvocationError, LocalFunction } from './functions/local-function';
import { createInspectionService } from './inspection';
import { nextScheduledRun } from './schedule';
import { createSfnService } from './sfn/service';
import { SfnApiError } from './sfn/sfn-api-error';
import { createStepFunctions, type StepFunctions } from './sfn/step-functions';
import { startLocalSqs } from './sqs/local-sqs';
import { createSsmService } from './ssm';
import {
  type LocalFunctionSpec,
  type LocalTemplate,
  readLocalTemplate,
} from './template/local-template';
import { synthesizeForLocalCloud } from './template/stack-template';
import { describeEvent, describeWebhook, type Timeline } from './timeline';
import { startWebhookSink, type WebhookSink } from './webhook-sink';

export interface LocalCloudOptions {
  readonly host?: string;
  /** Port of the REST API (`/prod/create-ami`); 0 picks a free one. Default 3000. */
  readonly apiPort?: number;
  /** Port of the single AWS endpoint (EC2, EventBridge, Step Functions, DynamoDB); default 4566. */
  readonly awsPort?: number;
  /** Where state (EC2, DynamoDB, executions, event log, dead letters, function logs) is kept. */
  readonly stateDir?: string;
  /** Forget saved state and start from the fixture. */
  readonly reset?: boolean;
  /** The EC2 world to start from when there is no saved state; default `defaultFixture`. */
  readonly fixture?: Ec2Fixture;
  /** How long a new AMI stays pending. Default 8 s. */
  readonly bakeMs?: number;
  /** Multiplies every Wait of the state machine: 1/60 turns the 60 s poll into 1 s. */
  readonly waitScale?: number;
  /** EC2 throttling: AWS's token buckets by default; `false` turns it off. */
  readonly throttling?: false | ThrottlingOptions;
  /** Send notifications here instead of the built-in sink (as `WEBHOOK_URL`/`WEBHOOK_FORMAT`). */
  readonly webhook?: { readonly url: string; readonly format?: string };
  /** Several webhook targets instead (as `WEBHOOK_TARGETS`); wins over `webhook`. */
  readonly webhookTargets?: readonly { url: string; format?: string; events?: string[] }[];
  /**
   * Multiplies queue durations (visibility timeouts, retention) and stretches the message ages a
   * function sees, so a notifier's 24-hour retry window passes in 24 h × this. Default `waitScale`.
   */
  readonly queueTimeScale?: number;
  /** HTTP endpoints subscribed to `AmiAvailable`, receiving the full EventBridge envelope. */
  readonly subscribers?: readonly string[];
  /** Deployment settings, as `cdk -c` would take them (e.g. `retentionDays`). */
  readonly settings?: Record<string, unknown>;
  /** Pause between Lambda's own retries of a failed asynchronous invocation. Default 1 s. */
  readonly asyncRetryDelayMs?: number;
  /** Pause between the retries of a state machine's Task. Default 1 s. */
  readonly retryIntervalMs?: number;
  /** Retry timing of bus targets (scaled down from AWS's). */
  readonly deliveryRetry?: RetryTiming;
  readonly timeline?: Timeline;
}

export interface LocalCloud {
  readonly createAmiUrl: string;
  readonly awsEndpoint: string;
  readonly region: string;
  readonly accountId: string;
  readonly eventBusName: string;
  /** The built-in webhook sink; absent when notifications go to `options.webhook`. */
  readonly sink?: WebhookSink;
  readonly ec2: Ec2Service;
  readonly bus: EventBus;
  readonly stepFunctions: StepFunctions;
  readonly template: LocalTemplate;
  /** Resolves once no event delivery and no execution is in flight. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

const STACK_NAME = 'AmiLifecycle';
/** The Task resources of the template's state machines, each answered locally. */
const TASKS = {
  describeImages: 'arn:aws:states:::aws-sdk:ec2:describeImages',
  putEvents: 'arn:aws:states:::events:putEvents',
  putItemAndWait: 'arn:aws:states:::aws-sdk:dynamodb:putItem.waitForTaskToken',
  deleteItem: 'arn:aws:states:::aws-sdk:dynamodb:deleteItem',
  getItem: 'arn:aws:states:::dynamodb:getItem',
  updateItem: 'arn:aws:states:::dynamodb:updateItem',
  sendTaskSuccess: 'arn:aws:states:::aws-sdk:sfn:sendTaskSuccess',
} as const;

/**
 * Runs the whole system on this machine: the stack the CDK app synthesizes, read from its
 * template, with its functions (the unchanged handlers), rules, state machine and API, on top of
 * local EC2, EventBridge and Step Functions served from one AWS endpoint.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const stateDir = resolve(options.stateDir ?? '.local');
  const timeline: Timeline = options.timeline ?? (() => {});
  if (options.reset) rmSync(stateDir, { recursive: true, force: true });
  mkdirSync(join(stateDir, 'logs'), { recursive: true });
  const paths = {
    ec2: join(stateDir, 'ec2.json'),
    ssm: join(stateDir, 'ssm.json'),
    executions: join(stateDir, 'executions.json'),
    events: join(stateDir, 'events.jsonl'),
    deadLetters: join(stateDir, 'dead-letters.jsonl'),
    dynamodb: join(stateDir, 'dynamodb'),
    sqs: join(stateDir, 'sqs.json'),
  };

  // Waits are shortened locally, so the wall-clock deadline of a pending AMI is shortened with
  // them (360 minutes polled every 60 s become 6 minutes polled every second).
  const waitScale = options.waitScale ?? 1 / 60;
  const deployed = parseSettings(options.settings ?? {});
  const settings = {
    ...options.settings,
    waitDeadlineMinutes: Math.max(1, Math.ceil(deployed.waitDeadlineMinutes * waitScale)),
  };
  const synthesized = await synthesizeForLocalCloud(STACK_NAME, settings, timeline);
  const template = readLocalTemplate(synthesized, {
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    stackName: STACK_NAME,
    sourceRoot: resolve(import.meta.dirname, '../..'),
  });

  // EC2 announces AMIs becoming available or failing on the default bus, as on AWS. The bus is
  // created below: changes are held until `attach`, which comes after it.
  const amiStateEvents = imageStateEvents(({ source, detailType, detail, resources, time }) =>
    bus.putEvents([
      {
        Source: source,
        DetailType: detailType,
        Detail: JSON.stringify(detail),
        Resources: resources,
        Time: time,
      },
    ]),
  );
  // Parameter Store, whose parameters EC2 reads for `resolve:ssm:` aliases and image references.
  const ssm = createSsmService({
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    ...(existsSync(paths.ssm) ? { state: JSON.parse(readFileSync(paths.ssm, 'utf8')) } : {}),
  });
  const savedEc2 = existsSync(paths.ec2) ? JSON.parse(readFileSync(paths.ec2, 'utf8')) : undefined;
  const ec2 = createEc2Service({
    onImageStateChange: amiStateEvents.onImageStateChange,
    ssmParameters: ssm.parameters,
    accountId: LOCAL_ACCOUNT_ID,
    region: LOCAL_REGION,
    bakeMs: options.bakeMs ?? 8_000,
    ...(options.throttling === undefined ? {} : { throttling: options.throttling }),
    ...(savedEc2
      ? { state: savedEc2 }
      : { fixture: options.fixture ?? defaultFixture(new Date()) }),
  });

  const sink = options.webhook
    ? undefined
    : await startWebhookSink({
        host,
        onReceive: (webhook) => timeline({ kind: 'webhook', text: describeWebhook(webhook) }),
      });

  const functions = new Map<string, { spec: LocalFunctionSpec; instance?: LocalFunction }>(
    template.functions.map((spec) => [spec.arn, { spec }]),
  );
  const asyncRetryDelayMs = options.asyncRetryDelayMs ?? 1_000;
  const bus = createEventBus({
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT_ID,
    busNames: [template.bus.name],
    eventLogPath: paths.events,
    deadLetterPath: paths.deadLetters,
    deadLetterQueueArns: template.deadLetterQueueArns,
    onDeadLetter: (letter) => timeline({ kind: 'dead-letter', text: describeDeadLetter(letter) }),
    ...(options.deliveryRetry ? { retry: options.deliveryRetry } : {}),
    invokeTarget: async (target, input, event) => {
      if (target.arn === TIMELINE_ARN) {
        timeline({ kind: 'event', text: describeEvent(event) });
        return;
      }
      if (stepFunctions.listStateMachines().some((machine) => machine.arn === target.arn)) {
        stepFunctions.startExecution({ stateMachineArn: target.arn, input: JSON.stringify(input) });
        return;
      }
      if (sqs.queues.has(target.arn)) {
        sqs.queues.send(target.arn, JSON.stringify(input));
        return;
      }
      const found = functions.get(target.arn);
      if (!found?.instance) {
        throw new TargetInvocationError(
          'ResourceNotFoundException',
          `no local function ${target.arn}`,
          false,
        );
      }
      await invokeAsynchronously(found.spec, found.instance, input);
    },
  });

  // Lambda retries a failed asynchronous invocation itself (EventInvokeConfig), then hands it to
  // its on-failure destination; locally that last step is a dead letter carrying the error.
  async function invokeAsynchronously(spec: LocalFunctionSpec, fn: LocalFunction, input: unknown) {
    for (let attempt = 0; ; attempt++) {
      try {
        await fn.invoke(input);
        return;
      } catch (error) {
        const message = (error as Error).message;
        const last = attempt >= spec.asyncRetryAttempts;
        timeline({
          kind: 'function',
          text: `${spec.service} failed${last ? '' : `, retrying (${attempt + 1}/${spec.asyncRetryAttempts})`}: ${message}`,
        });
        if (last) throw new TargetInvocationError('FunctionError', message, false);
        await new Promise((done) => setTimeout(done, asyncRetryDelayMs * (attempt + 1)));
      }
    }
  }

  const sqs = startLocalSqs({
    template,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    timeScale: options.queueTimeScale ?? waitScale,
    statePath: paths.sqs,
    invokeFunction: (name, event) => {
      const fn = [...functions.values()].find(({ spec }) => spec.functionName === name)?.instance;
      if (!fn) throw new Error(`no local function ${name}`);
      return fn.invoke(event);
    },
    onDeadLetter: (letter) => bus.keepDeadLetter(letter),
    timeline,
  });

  // The watcher's EC2 calls go over HTTP like a service integration's; the endpoint they need is
  // started below, with the Step Functions service it serves, so the client is made on first use.
  let watcherEc2: EC2Client | undefined;
  // Started before Step Functions: executions rerun at restart write to the tables at once.
  const dynamodb = await startLocalDynamoDb({
    path: paths.dynamodb,
    tables: template.tables,
    region: LOCAL_REGION,
  });
  const stepFunctions = createStepFunctions({
    waitScale,
    // Retries wait 1 s locally, whatever their interval on AWS (a purge run's lock wait is 60 s).
    retryIntervalMs: options.retryIntervalMs ?? 1_000,
    stateFile: paths.executions,
    runningAtRestart: 'rerun',
    taskHandlers: {
      // Lambda Tasks (the purge run's steps) invoke the local function; its error type is the
      // error the state machine's Retry and Catch see, as on AWS.
      ...Object.fromEntries(
        [...functions.values()].map(({ spec }) => [
          spec.arn,
          (input: unknown) => invokeFromStateMachine(functions.get(spec.arn)?.instance, input),
        ]),
      ),
      [TASKS.putItemAndWait]: dynamoDbTaskHandler(dynamodb.client, TASKS.putItemAndWait),
      [TASKS.deleteItem]: dynamoDbTaskHandler(dynamodb.client, TASKS.deleteItem),
      [TASKS.getItem]: dynamoDbTaskHandler(dynamodb.client, TASKS.getItem),
      [TASKS.updateItem]: dynamoDbTaskHandler(dynamodb.client, TASKS.updateItem),
      [TASKS.sendTaskSuccess]: (input) => sendTaskSuccessTask(stepFunctions, input),
      [TASKS.describeImages]: (input) => {
        watcherEc2 ??= new EC2Client({
          endpoint: endpoint.url,
          region: LOCAL_REGION,
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        });
        return describeImagesTask(watcherEc2, input);
      },
      [TASKS.putEvents]: putEventsTaskHandler(bus),
    },
  });

  const endpoint = await startLocalEndpoint({
    host,
    port: options.awsPort ?? 4566,
    services: {
      ec2: afterEachRequest(ec2, () => amiStateEvents.rearm()),
      events: createEventsService(bus, { scheduledRules: template.rules }),
      sfn: createSfnService(stepFunctions),
      ssm,
      dynamodb: dynamodb.service,
      sqs: { handle: (request) => sqsService.handle(request) },
      local: createInspectionService({ bus, ec2, sink: () => sink, stepFunctions }),
    },
  });

  const sqsService = sqs.service(endpoint.url);
  const webhookEnvironment: Record<string, string> = options.webhookTargets
    ? { WEBHOOK_TARGETS: JSON.stringify(options.webhookTargets) }
    : options.webhook
      ? { WEBHOOK_URL: options.webhook.url, WEBHOOK_FORMAT: options.webhook.format ?? 'jandi' }
      : { WEBHOOK_URL: sink?.url ?? '', WEBHOOK_FORMAT: 'jandi' };
  for (const entry of functions.values()) {
    const { spec } = entry;
    const environment: Record<string, string> = {
      ...spec.environment,
      AWS_REGION: LOCAL_REGION,
      AWS_DEFAULT_REGION: LOCAL_REGION,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
      AWS_ENDPOINT_URL: endpoint.url,
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
    };
    sqs.localizeQueueUrls(environment, endpoint.url);
    // Secrets Manager is not emulated: the notifier gets its target the simple way instead.
    if (spec.service === 'notifier') {
      delete environment.WEBHOOK_SECRET_ARN;
      Object.assign(environment, webhookEnvironment);
    }
    entry.instance = new LocalFunction({
      functionName: spec.functionName,
      functionArn: spec.arn,
      entry: spec.entry,
      environment,
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      logs: createWriteStream(join(stateDir, 'logs', `${spec.service}.log`), { flags: 'a' }),
    });
  }

  // Rules without a bus are on the default one, where AWS services (EC2 here) send their events.
  for (const rule of template.rules) {
    if (rule.eventPattern) {
      bus.putRule({
        name: rule.name,
        ...(rule.eventBusName ? { eventBusName: rule.eventBusName } : {}),
        eventPattern: rule.eventPattern,
        targets: rule.targets,
      });
    }
  }
  bus.putRule({
    name: 'local-timeline',
    eventBusName: template.bus.name,
    eventPattern: { account: [LOCAL_ACCOUNT_ID] },
    targets: [{ id: 'timeline', arn: TIMELINE_ARN }],
  });
  bus.putRule({
    name: 'local-timeline-ec2',
    eventPattern: { source: ['aws.ec2'] },
    targets: [{ id: 'timeline', arn: TIMELINE_ARN }],
  });
  (options.subscribers ?? []).forEach((url, index) => {
    bus.subscribeHttp(url, AmiAvailableV1.pattern, {
      name: `local-subscriber-${index + 1}`,
      eventBusName: template.bus.name,
    });
  });
  for (const machine of template.stateMachines) {
    stepFunctions.registerStateMachine({ ...machine, definition: machine.definition as never });
  }
  amiStateEvents.attach(ec2);
  const schedules = startSchedules(template, bus, timeline);

  const apiFunctions = new Map(template.functions.map((spec) => [spec.logicalId, spec.arn]));
  const gateway = await startApiGateway({
    host,
    accountId: LOCAL_ACCOUNT_ID,
    port: options.apiPort ?? 3000,
    routes: template.routes.map((route) => ({
      ...route,
      invoke: (event) => {
        const fn = functions.get(apiFunctions.get(route.functionLogicalId) ?? '')?.instance;
        if (!fn) throw new Error(`no function for ${route.method} ${route.resourcePath}`);
        return fn.invoke(event);
      },
    })),
    onRequest: ({ method, path, statusCode }) =>
      timeline({ kind: 'api', text: `${method} ${path} → ${statusCode}` }),
  });

  const progress = watchImageProgress(ec2, timeline);
  const saveEc2 = () => {
    writeFileSync(`${paths.ec2}.tmp`, JSON.stringify(ec2.snapshotState()));
    renameSync(`${paths.ec2}.tmp`, paths.ec2);
    writeFileSync(`${paths.ssm}.tmp`, JSON.stringify(ssm.snapshotState()));
    renameSync(`${paths.ssm}.tmp`, paths.ssm);
    sqs.save();
  };
  const saver = setInterval(saveEc2, 2_000);

  const route = template.routes[0];
  return {
    createAmiUrl: route ? `${gateway.url}/${route.stage}${route.resourcePath}` : gateway.url,
    awsEndpoint: endpoint.url,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    eventBusName: template.bus.name,
    ...(sink ? { sink } : {}),
    ec2,
    bus,
    stepFunctions,
    template,
    async whenIdle() {
      // Executions publish events and events start executions: settle until both are quiet.
      for (let round = 0; round < 100; round++) {
        await stepFunctions.whenIdle();
        await bus.whenIdle();
        await sqs.whenIdle();
        await stepFunctions.whenIdle();
        if (!stepFunctions.listStateMachines().some(hasRunning)) return;
      }
    },
    async stop() {
      clearInterval(saver);
      clearInterval(progress);
      amiStateEvents.stop();
      for (const timer of schedules) clearTimeout(timer.current);
      await gateway.close();
      await stepFunctions.close();
      watcherEc2?.destroy();
      await bus.close();
      await sqs.stop();
      await Promise.all([...functions.values()].map((entry) => entry.instance?.close()));
      await endpoint.close();
      await dynamodb.close();
      await sink?.close();
      saveEc2();
    },
  };

  function hasRunning(machine: { arn: string }): boolean {
    return (
      stepFunctions.listExecutions({ stateMachineArn: machine.arn, statusFilter: 'RUNNING' })
        .executions.length > 0
    );
  }
}

const TIMELINE_ARN = 'arn:aws:local:::timeline';

/** A Lambda Task with a function ARN as its resource: the function's answer is the result. */
async function invokeFromStateMachine(fn: LocalFunction | undefined, input: unknown) {
  if (!fn)
    throw Object.assign(new Error('function not started'), {
      name: 'Lambda.ResourceNotFoundException',
    });
  try {
    return await fn.invoke(input);
  } catch (error) {
    if (!(error instanceof FunctionInvocationError)) throw error;
    throw Object.assign(new Error(error.message), { name: error.errorType });
  }
}

/** Runs `after` once each request to `service` has been answered. */
function afterEachRequest(service: Ec2Service, after: () => void): Ec2Service {
  return Object.assign(Object.create(service) as Ec2Service, {
    handle: async (request: Parameters<Ec2Service['handle']>[0]) => {
      try {
        return await service.handle(request);
      } finally {
        after();
      }
    },
  });
}

/**
 * Answers the wake-up's `sfn:sendTaskSuccess` task as the SDK integration does: Step Functions'
 * API errors become `Sfn.<Code>Exception`, which the state machine's Catch names.
 */
function sendTaskSuccessTask(stepFunctions: StepFunctions, input: unknown): unknown {
  const { TaskToken, Output } = input as { TaskToken: string; Output: string };
  try {
    stepFunctions.sendTaskSuccess(TaskToken, Output);
    return {};
  } catch (error) {
    if (!(error instanceof SfnApiError)) throw error;
    throw Object.assign(new Error(error.message), { name: `Sfn.${error.code}Exception` });
  }
}

/** Answers the watcher's `ec2:describeImages` task through the local EC2, as the SDK integration does. */
async function describeImagesTask(client: EC2Client, input: unknown): Promise<unknown> {
  try {
    const { $metadata: _metadata, ...output } = await client.send(
      new DescribeImagesCommand(input as never),
    );
    return JSON.parse(JSON.stringify(output));
  } catch (error) {
    const failure = new Error((error as Error).message);
    failure.name = `Ec2.${(error as Error).name}`;
    throw failure;
  }
}

/**
 * Runs the template's scheduled rules (e.g. the janitor's daily sweep). Each becomes a rule on the
 * default bus matching its own Scheduled Event, so its targets get the bus's retries and dead
 * letters, exactly as EventBridge delivers a schedule.
 */
function startSchedules(
  template: LocalTemplate,
  bus: EventBus,
  timeline: Timeline,
): { current?: NodeJS.Timeout }[] {
  return template.rules.flatMap((rule) => {
    if (!rule.scheduleExpression) return [];
    const ruleArn = template.arnOf(rule.logicalId);
    bus.putRule({
      name: rule.name,
      eventPattern: {
        source: ['aws.events'],
        'detail-type': ['Scheduled Event'],
        resources: [ruleArn],
      },
      targets: rule.targets,
    });
    const timer: { current?: NodeJS.Timeout } = {};
    const arm = (after: Date) => {
      const next = nextScheduledRun(rule.scheduleExpression ?? '', after);
      if (!next) {
        timeline({ kind: 'schedule', text: `${rule.scheduleExpression} is not emulated locally` });
        return;
      }
      timeline({ kind: 'schedule', text: `${rule.name} next runs at ${next.toISOString()}` });
      timer.current = setTimeout(
        () => {
          bus.putEvents([
            {
              Source: 'aws.events',
              DetailType: 'Scheduled Event',
              Detail: '{}',
              Resources: [ruleArn],
              Time: next,
            },
          ]);
          timeline({ kind: 'schedule', text: `${rule.name} fired` });
          arm(next);
        },
        Math.min(next.getTime() - Date.now(), 2 ** 31 - 1),
      );
      timer.current.unref();
    };
    arm(new Date());
    return [timer];
  });
}

/**
 * Prints AMIs moving from pending to available (or failed). EC2 here changes state lazily, on the
 * next request, so progress is read from each image's bake schedule.
 */
function watchImageProgress(ec2: Ec2Service, timeline: Timeline): NodeJS.Timeout {
  const seen = new Map<string, string>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const image of ec2.state.images) {
      if (image.ownerId !== ec2.accountId) continue;
      let summary: string = image.state;
      if (image.bake) {
        const { startMs, endMs, outcome } = image.bake;
        const percent = Math.min(99, Math.floor(((now - startMs) / (endMs - startMs)) * 100));
        summary = now >= endMs ? outcome : `pending, snapshots ${Math.floor(percent / 25) * 25}%`;
      }
      const previous = seen.get(image.imageId);
      if (previous !== undefined && previous !== summary) {
        timeline({ kind: 'ami', text: `${image.imageId} ${image.name}: ${summary}` });
      } else if (previous === undefined && image.bake) {
        timeline({ kind: 'ami', text: `${image.imageId} ${image.name}: ${summary}` });
      }
      seen.set(image.imageId, summary);
    }
  }, 500);
  timer.unref();
  return timer;
}
