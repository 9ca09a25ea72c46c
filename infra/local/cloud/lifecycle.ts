import type { LocalApiGateway } from '../api-gateway';
import type { LocalEndpoint } from '../endpoint';
import type { StepFunctions } from '../sfn/step-functions';
import type { WebhookRelay } from '../webhook-relay';
import type { WebhookSink } from '../webhook-sink';
import type { Engines } from './engines';
import { closeFunctions, type LocalFunctions } from './functions';
import { type ScheduleTimer, stopSchedules } from './schedules';

/** Resolves once no event delivery, queued message and execution is in flight. */
export async function whenIdle({ stepFunctions, bus, sqs }: Engines): Promise<void> {
  // Executions publish events and events start executions: settle until both are quiet.
  for (let round = 0; round < 100; round++) {
    await stepFunctions.whenIdle();
    await bus.whenIdle();
    await sqs.whenIdle();
    await stepFunctions.whenIdle();
    if (!stepFunctions.listStateMachines().some((machine) => hasRunning(stepFunctions, machine))) {
      return;
    }
  }
}

/** What a running local cloud has started, in the order it started them. */
export interface RunningCloud {
  readonly engines: Engines;
  readonly sink: WebhookSink | undefined;
  /** Between the notifier and the user's webhook URLs. */
  readonly relays: readonly WebhookRelay[];
  readonly endpoint: LocalEndpoint;
  readonly functions: LocalFunctions;
  readonly schedules: readonly ScheduleTimer[];
  readonly gateway: LocalApiGateway;
  readonly timers: readonly NodeJS.Timeout[];
  /** Saves the state kept in memory, last, once nothing changes it any more. */
  readonly save: () => void;
}

/** Stops requests coming in first, then what they reach, then saves the state. */
export async function stopLocalCloud(cloud: RunningCloud): Promise<void> {
  const { engines } = cloud;
  for (const timer of cloud.timers) clearInterval(timer);
  engines.amiStateEvents.stop();
  stopSchedules(cloud.schedules);
  await cloud.gateway.close();
  await engines.stepFunctions.close();
  engines.watcherClients.destroy();
  await engines.bus.close(DRAIN_MS);
  await engines.sqs.stop();
  await closeFunctions(cloud.functions);
  await cloud.endpoint.close();
  await engines.dynamodb.close();
  await cloud.sink?.close();
  await Promise.all(cloud.relays.map((relay) => relay.close()));
  cloud.save();
}

function hasRunning(stepFunctions: StepFunctions, machine: { arn: string }): boolean {
  return (
    stepFunctions.listExecutions({ stateMachineArn: machine.arn, statusFilter: 'RUNNING' })
      .executions.length > 0
  );
}

/** How long a stop waits for deliveries under way; the rest resume at the next start. */
const DRAIN_MS = 3_000;
