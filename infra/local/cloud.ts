import { resolve } from 'node:path';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from './account';
import { createAmiUrl, startLocalGateway } from './cloud/api-routes';
import { deployTemplate } from './cloud/deployment';
import { startAwsEndpoint } from './cloud/endpoint-services';
import { startEngines } from './cloud/engines';
import { bundleTemplateFunctions, listFunctions, startFunctions } from './cloud/functions';
import { stopLocalCloud, whenIdle } from './cloud/lifecycle';
import { startSchedules } from './cloud/schedules';
import { readLocalStack } from './cloud/stack';
import { prepareStateDir, saveState, startPeriodicSaves } from './cloud/state';
import { watchImageProgress } from './cloud/timeline';
import { openWebhookPorts } from './cloud/webhook-ports';
import {
  startTimelineSink,
  startWebhookRelays,
  webhookEnvironment,
  webhookUrls,
} from './cloud/webhooks';
import type { Ec2Fixture, Ec2Service, ThrottlingOptions } from './ec2';
import type { EventBus } from './events/bus';
import type { RetryTiming } from './events/delivery';
import type { StepFunctions } from './sfn/step-functions';
import type { LocalTemplate } from './template/local-template';
import type { Timeline } from './timeline';
import type { WebhookSink } from './webhook-sink';

/** Enough for a burst of requests to flow through every function; see `functionEnvironments`. */
const DEFAULT_FUNCTION_ENVIRONMENTS = 6;

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
  /**
   * How many function execution environments (worker threads) all functions may hold at once;
   * default 6. An invocation beyond them waits, or takes an idle one from another function.
   */
  readonly functionEnvironments?: number;
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
  /** Where the notifier posts: the sink, or the relay in front of each of the user's webhooks. */
  readonly webhookUrls: readonly string[];
  readonly ec2: Ec2Service;
  readonly bus: EventBus;
  readonly stepFunctions: StepFunctions;
  readonly template: LocalTemplate;
  /** Resolves once no event delivery and no execution is in flight. */
  whenIdle(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Runs the whole system on this machine: the stack the CDK app synthesizes, read from its
 * template, with its functions (the unchanged handlers), rules, state machine and API, on top of
 * local EC2, EventBridge and Step Functions served from one AWS endpoint.
 */
export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const host = options.host ?? '127.0.0.1';
  const timeline: Timeline = options.timeline ?? (() => {});
  const paths = prepareStateDir(resolve(options.stateDir ?? '.local'), options.reset ?? false);
  const waitScale = options.waitScale ?? 1 / 60;
  const template = await readLocalStack(options.settings ?? {}, waitScale, timeline);
  const functions = listFunctions(template);
  const bundles = await bundleTemplateFunctions(functions, timeline);
  const engines = await startEngines({
    options: { ...options, waitScale },
    paths,
    template,
    functions,
    timeline,
    endpointUrl: () => endpoint.url,
  });
  const webhookPorts = openWebhookPorts(paths.webhookPorts);
  const sink = options.webhook ? undefined : await startTimelineSink(host, timeline, webhookPorts);
  const { relayed, relays } = await startWebhookRelays(options, host, timeline, webhookPorts);
  const { endpoint, replayRuleChanges } = await startAwsEndpoint({
    host,
    port: options.awsPort ?? 4566,
    engines,
    template,
    sink,
    paths,
  });
  startFunctions(functions, {
    bundles,
    maxEnvironments: options.functionEnvironments ?? DEFAULT_FUNCTION_ENVIRONMENTS,
    endpointUrl: endpoint.url,
    logs: paths.logs,
    sqs: engines.sqs,
    webhookEnvironment: webhookEnvironment(relayed, sink),
  });
  deployTemplate(engines, template, options.subscribers ?? []);
  // On top of the template's rules, those changed over the API; then what a stop or a crash left
  // undelivered goes on.
  await replayRuleChanges();
  engines.bus.resumeDeliveries();
  const schedules = startSchedules(template, engines.bus, timeline);
  const gateway = await startLocalGateway({
    host,
    port: options.apiPort ?? 3000,
    template,
    functions,
    timeline,
  });
  const save = () => saveState(paths, engines);
  const timers = [startPeriodicSaves(save), watchImageProgress(engines.ec2, timeline)];
  const running = { engines, sink, relays, endpoint, functions, schedules, gateway, timers, save };
  return {
    createAmiUrl: createAmiUrl(gateway, template),
    awsEndpoint: endpoint.url,
    region: LOCAL_REGION,
    accountId: LOCAL_ACCOUNT_ID,
    eventBusName: template.bus.name,
    ...(sink ? { sink } : {}),
    webhookUrls: webhookUrls(relayed, sink),
    ec2: engines.ec2,
    bus: engines.bus,
    stepFunctions: engines.stepFunctions,
    template,
    whenIdle: () => whenIdle(engines),
    stop: () => stopLocalCloud(running),
  };
}
