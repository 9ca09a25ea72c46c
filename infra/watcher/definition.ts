import { Duration } from 'aws-cdk-lib';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiFailedV1, type AmiFailureReason } from '../../events/ami-failed.v1';
import { SOURCES } from '../../events/contract';

/**
 * State names are part of the interface: the local cloud overrides Wait durations and Task
 * resources by name, and operators read them in execution histories.
 */
export const WATCHER_STATES = {
  map: 'WatchImages',
  wait: 'WaitForImage',
  describe: 'DescribeImage',
  imageState: 'ImageState',
  deadline: 'DeadlineReached',
  countPoll: 'CountPoll',
  publishAvailable: 'PublishAmiAvailable',
  publishImageFailed: 'PublishImageFailed',
  publishImageFailedWithoutReason: 'PublishImageFailedWithoutReason',
  publishImageMissing: 'PublishImageMissing',
  publishTimedOut: 'PublishTimedOut',
} as const;

/** AMI states after which an image never becomes available. */
export const FAILED_IMAGE_STATES = ['failed', 'error', 'invalid', 'deregistered'] as const;

export interface WatcherDefinitionProps {
  readonly bus: events.IEventBus;
  readonly pollInterval: Duration;
  readonly waitDeadline: Duration;
  /** AMIs of one request checked at once. */
  readonly maxConcurrency: number;
}

/** Where the item's state lives: the image from WatcherInput, the check count, the last answer. */
const IMAGE = '$.image';
const LAST_IMAGE = '$.describe.images[0]';
/** `$$.State.EnteredTime`: when the publishing state started, i.e. when the outcome was seen. */
const NOW = sfn.JsonPath.stringAt('$$.State.EnteredTime');

/**
 * The watcher, shaped like the seed's state machine: a Map over the request's AMIs; per AMI, Wait →
 * DescribeImages → Choice, until the AMI is available (AmiAvailable), failed or gone (AmiFailed)
 * or the deadline passes (AmiFailed `timed-out`). EC2 and EventBridge are called through Step
 * Functions' own integrations: no function runs just to forward a call.
 *
 * The deadline is a count of checks rather than a clock comparison, so it behaves the same in AWS
 * and in a local run whose Wait durations are scaled down. Each AMI runs as a child execution of a
 * distributed Map, so a slow AMI's polling (about 11 history events per check) never brings its
 * siblings near Step Functions' 25,000-event history limit.
 */
export function buildWatcherDefinition(scope: Construct, props: WatcherDefinitionProps) {
  const maxChecks = Math.ceil(props.waitDeadline.toSeconds() / props.pollInterval.toSeconds());
  const deadlineMinutes = props.waitDeadline.toMinutes();

  const wait = new sfn.Wait(scope, WATCHER_STATES.wait, {
    comment: 'The seed waited 60 s before each check',
    time: sfn.WaitTime.duration(props.pollInterval),
  });

  const describe = tasks.CallAwsService.jsonPath(scope, WATCHER_STATES.describe, {
    comment: 'A filter (not ImageIds) answers a missing AMI with an empty list instead of an error',
    service: 'ec2',
    action: 'describeImages',
    iamAction: 'ec2:DescribeImages',
    iamResources: ['*'],
    parameters: {
      Owners: ['self'],
      Filters: [
        { Name: 'image-id', Values: sfn.JsonPath.array(sfn.JsonPath.stringAt(`${IMAGE}.imageId`)) },
      ],
    },
    resultSelector: {
      count: sfn.JsonPath.arrayLength(sfn.JsonPath.listAt('$.Images')),
      images: sfn.JsonPath.listAt('$.Images'),
    },
    resultPath: '$.describe',
  });
  // Throttling (RequestLimitExceeded) and service errors pass; after the retries the check counts
  // as done without an answer, so a lasting outage ends at the deadline instead of failing silently.
  describe.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 5,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });

  const publish = (id: string, entry: tasks.EventBridgePutEventsEntry) => {
    const task = new tasks.EventBridgePutEvents(scope, id, {
      entries: [entry],
      resultPath: sfn.JsonPath.DISCARD,
    });
    // EventBridge.FailedEntry and service errors are retried; if publishing still fails, the
    // execution fails and the watcher alarm fires: an outcome is never dropped quietly.
    task.addRetry({
      errors: [sfn.Errors.ALL],
      interval: Duration.seconds(1),
      backoffRate: 2,
      maxAttempts: 6,
      maxDelay: Duration.seconds(30),
      jitterStrategy: sfn.JitterType.FULL,
    });
    return task;
  };

  const imageFields = {
    requestId: sfn.JsonPath.stringAt(`${IMAGE}.requestId`),
    instanceName: sfn.JsonPath.stringAt(`${IMAGE}.instanceName`),
    instanceId: sfn.JsonPath.stringAt(`${IMAGE}.instanceId`),
    imageId: sfn.JsonPath.stringAt(`${IMAGE}.imageId`),
    imageName: sfn.JsonPath.stringAt(`${IMAGE}.imageName`),
  };
  const metadata = {
    schemaVersion: 1,
    requestId: sfn.JsonPath.stringAt(`${IMAGE}.requestId`),
    occurredAt: NOW,
  };

  const publishAvailable = publish(WATCHER_STATES.publishAvailable, {
    eventBus: props.bus,
    source: SOURCES.watcher,
    detailType: AmiAvailableV1.detailType,
    detail: sfn.TaskInput.fromObject({
      metadata: { ...metadata, schemaVersion: AmiAvailableV1.version },
      data: {
        ...imageFields,
        snapshotIds: sfn.JsonPath.listAt(`${LAST_IMAGE}.BlockDeviceMappings[*].Ebs.SnapshotId`),
        availableAt: NOW,
      },
    }),
  });

  const publishFailed = (
    id: string,
    reason: AmiFailureReason,
    message: string,
    imageState: string | undefined,
  ) =>
    publish(id, {
      eventBus: props.bus,
      source: SOURCES.watcher,
      detailType: AmiFailedV1.detailType,
      detail: sfn.TaskInput.fromObject({
        metadata: { ...metadata, schemaVersion: AmiFailedV1.version },
        data: {
          ...imageFields,
          reason,
          message,
          ...(imageState !== undefined && { imageState }),
          failedAt: NOW,
        },
      }),
    });

  const lastState = sfn.JsonPath.stringAt(`${LAST_IMAGE}.State`);
  const publishImageFailed = publishFailed(
    WATCHER_STATES.publishImageFailed,
    'image-failed',
    sfn.JsonPath.format(
      '{}: {}',
      sfn.JsonPath.stringAt(`${LAST_IMAGE}.StateReason.Code`),
      sfn.JsonPath.stringAt(`${LAST_IMAGE}.StateReason.Message`),
    ),
    lastState,
  );
  const publishImageFailedWithoutReason = publishFailed(
    WATCHER_STATES.publishImageFailedWithoutReason,
    'image-failed',
    sfn.JsonPath.format('The AMI entered the {} state.', lastState),
    lastState,
  );
  const publishImageMissing = publishFailed(
    WATCHER_STATES.publishImageMissing,
    'image-missing',
    'The AMI no longer exists (deregistered or disabled while it was pending).',
    undefined,
  );
  const publishTimedOut = publishFailed(
    WATCHER_STATES.publishTimedOut,
    'timed-out',
    `The AMI was not available after ${deadlineMinutes} minutes (${maxChecks} checks).`,
    lastState,
  );

  const countPoll = new sfn.Pass(scope, WATCHER_STATES.countPoll, {
    parameters: {
      image: sfn.JsonPath.objectAt(IMAGE),
      polls: sfn.JsonPath.mathAdd(sfn.JsonPath.numberAt('$.polls'), 1),
      describe: sfn.JsonPath.objectAt('$.describe'),
    },
  });
  const deadline = new sfn.Choice(scope, WATCHER_STATES.deadline)
    .when(sfn.Condition.numberGreaterThanEquals('$.polls', maxChecks), publishTimedOut)
    .otherwise(countPoll.next(wait));

  const failedState = sfn.Condition.or(
    ...FAILED_IMAGE_STATES.map((state) => sfn.Condition.stringEquals(`${LAST_IMAGE}.State`, state)),
  );
  const imageState = new sfn.Choice(scope, WATCHER_STATES.imageState)
    .when(sfn.Condition.numberEquals('$.describe.count', 0), publishImageMissing)
    .when(sfn.Condition.stringEquals(`${LAST_IMAGE}.State`, 'available'), publishAvailable)
    .when(
      sfn.Condition.and(
        failedState,
        sfn.Condition.isPresent(`${LAST_IMAGE}.StateReason.Code`),
        sfn.Condition.isPresent(`${LAST_IMAGE}.StateReason.Message`),
      ),
      publishImageFailed,
    )
    .when(failedState, publishImageFailedWithoutReason)
    .otherwise(deadline);

  describe.addCatch(deadline, { errors: [sfn.Errors.ALL], resultPath: '$.lastError' });

  const map = new sfn.DistributedMap(scope, WATCHER_STATES.map, {
    comment: 'One child execution per AMI of the request',
    itemsPath: sfn.JsonPath.stringAt('$.images'),
    itemSelector: {
      image: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      polls: 1,
      // Read by PublishTimedOut when no check ever got an answer.
      describe: { count: 1, images: [{ State: 'unknown' }] },
    },
    maxConcurrency: props.maxConcurrency,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    resultPath: sfn.JsonPath.DISCARD,
  });
  map.itemProcessor(wait.next(describe).next(imageState));

  return { definition: map, maxChecks };
}
