import { ArnFormat, Duration, Stack } from 'aws-cdk-lib';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import * as tasks from 'aws-cdk-lib/aws-stepfunctions-tasks';
import type { Construct } from 'constructs';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiFailedV1, type AmiFailureReason } from '../../events/ami-failed.v1';
import { SOURCES } from '../../events/contract';
import { LEDGER_ATTRIBUTES as LEDGER } from '../../services/shared/request-ledger-record';
import { recordPublishedState, retryBriefly } from '../ledger-states';

/**
 * State names are part of the interface: the local cloud overrides Wait durations and Task
 * resources by name, and operators read them in execution histories.
 */
export const WATCHER_STATES = {
  map: 'WatchImages',
  wait: 'WaitForImage',
  waitUnwoken: 'WaitWithoutWakeUp',
  describe: 'DescribeImage',
  imageState: 'ImageState',
  noAnswer: 'NoAnswer',
  publishAvailable: 'PublishAmiAvailable',
  publishImageFailed: 'PublishImageFailed',
  publishImageFailedWithoutReason: 'PublishImageFailedWithoutReason',
  publishImageMissing: 'PublishImageMissing',
  publishTimedOut: 'PublishTimedOut',
  publishWatcherError: 'PublishWatcherError',
  recordAvailable: 'RecordAmiAvailable',
  recordImageFailed: 'RecordImageFailed',
  recordImageFailedWithoutReason: 'RecordImageFailedWithoutReason',
  recordImageMissing: 'RecordImageMissing',
  recordTimedOut: 'RecordTimedOut',
  recordWatcherError: 'RecordWatcherError',
  recordPublished: 'RecordPublished',
  setLatestParameter: 'SetLatestAmiParameter',
  alreadyEnded: 'AlreadyEnded',
  forget: 'ForgetImage',
  done: 'Done',
} as const;

/**
 * The Map's label, fixed so that its child executions' metrics have a known dimension: Step
 * Functions reports them under the state machine's ARN followed by `/<label>`, which is how the
 * WatcherFailed alarm sees a failed child.
 */
export const WATCHER_MAP_LABEL = WATCHER_STATES.map;

/**
 * Items of the waiting-checks table: `imageId` (partition key) → `taskToken` of the check waiting
 * for that AMI. The wake-up state machine reads them; nothing else does.
 */
export const WAITING_CHECK_ATTRIBUTES = { imageId: 'imageId', taskToken: 'taskToken' } as const;

/** AMI states after which an image never becomes available. */
export const FAILED_IMAGE_STATES = ['failed', 'error', 'invalid', 'deregistered'] as const;

export interface WatcherDefinitionProps {
  readonly bus: events.IEventBus;
  /** Where each waiting check leaves its task token, so EC2's state-change event can end the wait. */
  readonly waitingChecks: dynamodb.ITable;
  /** The request ledger: each AMI's terminal state is written there before it is announced. */
  readonly ledger: dynamodb.ITable;
  /**
   * Before AmiAvailable goes out, `<prefix>/<instance name>/latest` (an `aws:ec2:image`
   * parameter) is set to the AMI, so launch templates can use `resolve:ssm:`.
   */
  readonly latestParameterPrefix: string;
  readonly pollInterval: Duration;
  /** AMIs of one request checked at once. */
  readonly maxConcurrency: number;
}

/** Where the item's state lives: the image from WatcherInput, and the last answer with its time. */
const IMAGE = '$.image';
const LAST_IMAGE = '$.describe.images[0]';
const CHECKED_AT = '$.describe.checkedAt';
/** The error (`Error`, `Cause`) that sent a child to its watcher-error outcome. */
const WATCHER_ERROR = '$.watcherError';
/**
 * `$$.State.EnteredTime`: when the current state started. In a publishing state it is when the
 * outcome was seen; in DescribeImage when the check was made (retries do not enter it again); in
 * NoAnswer when the check ended unanswered.
 */
const NOW = sfn.JsonPath.stringAt('$$.State.EnteredTime');

/**
 * The watcher, shaped like the seed's state machine: a Map over the request's AMIs; per AMI, wait →
 * DescribeImages → Choice, until the AMI is available (AmiAvailable), failed or gone (AmiFailed)
 * or the deadline passes (AmiFailed `timed-out`). EC2, DynamoDB and EventBridge are called through
 * Step Functions' own integrations: no function runs just to forward a call.
 *
 * The wait is a callback with a timeout rather than a plain Wait: it leaves its task token in the
 * waiting-checks table under the AMI's id and waits for it at most one poll interval. EC2 sends an
 * `EC2 AMI State Change` event when the AMI becomes available or fails; the wake-up state machine
 * returns the token then, so the check runs within moments of the change instead of up to a poll
 * interval later (the seed's delay). Those events are best effort, so the timeout keeps the seed's
 * 60 s polling as the floor: a lost event only means the next check finds the AMI, as the seed
 * would. If the token cannot be left (DynamoDB refuses), the check waits a plain poll interval.
 *
 * A check costs three state transitions, as in the seed's loop: the wait, DescribeImage, and one
 * Choice for every outcome. Each AMI then costs one more, ForgetImage, which removes its waiting
 * check. The deadline is a point in time the creator puts on each image (`deadlineAt`) and
 * DescribeImage records when it checked (`checkedAt`, from the context object), so the Choice
 * compares the two and no state counts checks. (A counter would need a state of its own: workflow
 * variables, `Assign`, could keep it inside the Task, but aws-local-stepfunctions, which runs this
 * same definition in the local cloud, implements neither variables nor JSONata.)
 *
 * Every outcome goes through the request ledger first: a conditional UpdateItem writes the name's
 * terminal state (unpublished), the event is published, and RecordPublished marks it. A name whose
 * terminal event is already out (the creator ended it, or a redelivery's watch did) fails that
 * condition and ends in AlreadyEnded without a second event. A recorded outcome that could not be
 * published may still be replaced by the watcher-error one, which is then the only event sent.
 *
 * Each AMI runs as a child execution of a distributed Map, so a slow AMI's polling (about 12
 * history events per check) never brings its siblings near Step Functions' 25,000-event history
 * limit. A child that fails never ends its siblings: the Map tolerates every failed child. An
 * outcome that cannot be published, or any other error a child's Tasks raise, is caught and ends
 * that AMI with AmiFailed `watcher-error` instead; only if that publish fails too does the child
 * fail, which the WatcherFailed alarm counts (see WATCHER_MAP_LABEL). Catches cost nothing on the
 * normal path: they are not states.
 */
export function buildWatcherDefinition(scope: Construct, props: WatcherDefinitionProps) {
  const wait = tasks.CallAwsService.jsonPath(scope, WATCHER_STATES.wait, {
    comment:
      'Waits one poll interval (the seed waited 60 s), or less if EC2 reports the AMI available or failed',
    service: 'dynamodb',
    action: 'putItem',
    iamAction: 'dynamodb:PutItem',
    iamResources: [props.waitingChecks.tableArn],
    integrationPattern: sfn.IntegrationPattern.WAIT_FOR_TASK_TOKEN,
    parameters: {
      TableName: props.waitingChecks.tableName,
      Item: {
        [WAITING_CHECK_ATTRIBUTES.imageId]: { S: sfn.JsonPath.stringAt(`${IMAGE}.imageId`) },
        [WAITING_CHECK_ATTRIBUTES.taskToken]: { S: sfn.JsonPath.taskToken },
      },
    },
    taskTimeout: sfn.Timeout.duration(props.pollInterval),
    resultPath: sfn.JsonPath.DISCARD,
  });
  const waitUnwoken = new sfn.Wait(scope, WATCHER_STATES.waitUnwoken, {
    comment: 'The waiting check could not be recorded: wait the poll interval without a wake-up',
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
      // The ASL allows context-object paths in any payload template, ResultSelector included.
      checkedAt: NOW,
    },
    resultPath: '$.describe',
  });
  // Throttling (RequestLimitExceeded) and service errors pass; after the retries the check is
  // done without an answer (NoAnswer), so a lasting outage ends at the deadline instead of failing
  // silently.
  describe.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(2),
    backoffRate: 2,
    maxAttempts: 5,
    maxDelay: Duration.seconds(60),
    jitterStrategy: sfn.JitterType.FULL,
  });

  // After its outcome is published, an AMI's waiting check goes, so a late state-change event wakes
  // nobody. If DynamoDB refuses even after retries, the item stays and such an event finds a token
  // that has expired: harmless, so the item still ends normally.
  const forget = tasks.CallAwsService.jsonPath(scope, WATCHER_STATES.forget, {
    service: 'dynamodb',
    action: 'deleteItem',
    iamAction: 'dynamodb:DeleteItem',
    iamResources: [props.waitingChecks.tableArn],
    parameters: {
      TableName: props.waitingChecks.tableName,
      Key: { [WAITING_CHECK_ATTRIBUTES.imageId]: { S: sfn.JsonPath.stringAt(`${IMAGE}.imageId`) } },
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  forget.addRetry({
    errors: [sfn.Errors.ALL],
    interval: Duration.seconds(1),
    backoffRate: 2,
    maxAttempts: 3,
    jitterStrategy: sfn.JitterType.FULL,
  });
  forget.addCatch(new sfn.Succeed(scope, WATCHER_STATES.done), {
    errors: [sfn.Errors.ALL],
    resultPath: sfn.JsonPath.DISCARD,
  });

  // The ledger's item of this AMI's name. A terminal state is written (unpublished) before the
  // event goes out; a name whose terminal event is already out is never written again, and its
  // AMI ends here without a second event (AlreadyEnded). The TTL stays as the creator set it:
  // JSONPath has no epoch seconds to compute a new one from.
  const ledgerKey = {
    [LEDGER.requestId]: tasks.DynamoAttributeValue.fromString(
      sfn.JsonPath.stringAt(`${IMAGE}.requestId`),
    ),
    [LEDGER.instanceName]: tasks.DynamoAttributeValue.fromString(
      sfn.JsonPath.stringAt(`${IMAGE}.instanceName`),
    ),
  };
  const recordPublished = recordPublishedState(scope, WATCHER_STATES.recordPublished, {
    ledger: props.ledger,
    requestIdPath: `${IMAGE}.requestId`,
    instanceNamePath: `${IMAGE}.instanceName`,
  });
  // The event is out whatever happens here: a record left unpublished only lets this AMI's own
  // (finished) watch decide again, and never reaches the watcher-error path.
  recordPublished.addCatch(forget, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
  recordPublished.next(forget);
  const alreadyEnded = new sfn.Pass(scope, WATCHER_STATES.alreadyEnded, {
    comment: "The ledger shows the name's terminal event already published: announce nothing",
  }).next(forget);

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

  /**
   * Record → publish → mark published, for one outcome. Answers the record task (where the
   * outcome starts) and the publish task (whose errors the caller may catch).
   */
  const announce = (
    ids: { record: string; publish: string },
    ledgerValues: Record<string, string>,
    entry: tasks.EventBridgePutEventsEntry,
    /** Runs between the record and the publish; its failure does not stop the publish. */
    prepare?: sfn.TaskStateBase,
  ) => {
    const values: Record<string, string> = {
      [LEDGER.instanceId]: imageFields.instanceId,
      [LEDGER.imageId]: imageFields.imageId,
      [LEDGER.imageName]: imageFields.imageName,
      [LEDGER.updatedAt]: NOW,
      ...ledgerValues,
    };
    const names = Object.keys(values);
    const record = new tasks.DynamoUpdateItem(scope, ids.record, {
      table: props.ledger,
      key: ledgerKey,
      updateExpression: `SET ${names.map((name) => `#${name} = :${name}`).join(', ')}, #published = :false, #requestedAt = if_not_exists(#requestedAt, :${LEDGER.updatedAt})`,
      conditionExpression: 'attribute_not_exists(#published) OR #published = :false',
      expressionAttributeNames: Object.fromEntries(
        [...names, LEDGER.published, LEDGER.requestedAt].map((name) => [`#${name}`, name]),
      ),
      expressionAttributeValues: {
        ...Object.fromEntries(
          names.map((name) => [
            `:${name}`,
            tasks.DynamoAttributeValue.fromString(values[name] ?? ''),
          ]),
        ),
        ':false': tasks.DynamoAttributeValue.fromBoolean(false),
      },
      resultPath: sfn.JsonPath.DISCARD,
    });
    retryBriefly(record);
    record.addCatch(alreadyEnded, {
      errors: ['DynamoDB.ConditionalCheckFailedException'],
      resultPath: sfn.JsonPath.DISCARD,
    });
    const publish = new tasks.EventBridgePutEvents(scope, ids.publish, {
      entries: [entry],
      resultPath: sfn.JsonPath.DISCARD,
    });
    // EventBridge.FailedEntry and service errors are retried; an outcome that still cannot be
    // published goes to the watcher-error path (added below), never dropped quietly.
    retryBriefly(publish);
    if (prepare) {
      prepare.addCatch(publish, { errors: [sfn.Errors.ALL], resultPath: sfn.JsonPath.DISCARD });
      record.next(prepare).next(publish);
    } else {
      record.next(publish);
    }
    publish.next(recordPublished);
    return { record, publish };
  };

  const failedLedgerValues = (reason: AmiFailureReason, message: string, imageState?: string) => ({
    [LEDGER.state]: 'failed',
    [LEDGER.reason]: reason,
    [LEDGER.message]: message,
    [LEDGER.failedAt]: NOW,
    ...(imageState !== undefined && { [LEDGER.imageState]: imageState }),
  });
  const failedDetail = (reason: AmiFailureReason, message: string, imageState?: string) =>
    sfn.TaskInput.fromObject({
      metadata: { ...metadata, schemaVersion: AmiFailedV1.version },
      data: {
        ...imageFields,
        reason,
        message,
        ...(imageState !== undefined && { imageState }),
        failedAt: NOW,
      },
    });
  const announceFailed = (
    ids: { record: string; publish: string },
    reason: AmiFailureReason,
    message: string,
    imageState: string | undefined,
  ) =>
    announce(ids, failedLedgerValues(reason, message, imageState), {
      eventBus: props.bus,
      source: SOURCES.watcher,
      detailType: AmiFailedV1.detailType,
      detail: failedDetail(reason, message, imageState),
    });

  // The last resort of a child: whatever error escaped its states ends the AMI here. It has its
  // own retries and no other Catch: if it fails too, the child fails, its siblings go on (the Map
  // tolerates failed children) and the WatcherFailed alarm counts it. Its record may replace a
  // terminal state that was recorded but never published.
  const watcherError = announceFailed(
    { record: WATCHER_STATES.recordWatcherError, publish: WATCHER_STATES.publishWatcherError },
    'watcher-error',
    sfn.JsonPath.format(
      'The watcher could not finish watching the AMI: {}: {}',
      sfn.JsonPath.stringAt(`${WATCHER_ERROR}.Error`),
      sfn.JsonPath.stringAt(`${WATCHER_ERROR}.Cause`),
    ),
    undefined,
  );
  /** Tasks whose errors nothing else handles end the AMI with `watcher-error`. */
  const onWatcherError = (task: sfn.TaskStateBase) =>
    task.addCatch(watcherError.record, {
      errors: [sfn.Errors.ALL],
      resultPath: WATCHER_ERROR,
    });

  // Set before AmiAvailable goes out, so a subscriber that reacts to it (an instance refresh)
  // already resolves the new AMI. It is a convenience, not the outcome: if SSM refuses (e.g. a
  // name with characters parameter names do not allow), the AMI is still announced. Requests for
  // the same name that end out of order leave the AMI that became available last.
  const prefix = props.latestParameterPrefix.replace(/\/+$/, '');
  const setLatest = tasks.CallAwsService.jsonPath(scope, WATCHER_STATES.setLatestParameter, {
    comment: 'The latest available AMI of the name, for resolve:ssm: in launch templates',
    service: 'ssm',
    action: 'putParameter',
    iamAction: 'ssm:PutParameter',
    iamResources: [
      Stack.of(scope).formatArn({
        service: 'ssm',
        resource: 'parameter',
        arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        resourceName: `${prefix.replace(/^\//, '')}/*`,
      }),
    ],
    parameters: {
      Name: sfn.JsonPath.format(`${prefix}/{}/latest`, imageFields.instanceName),
      Value: imageFields.imageId,
      Type: 'String',
      DataType: 'aws:ec2:image',
      Overwrite: true,
    },
    resultPath: sfn.JsonPath.DISCARD,
  });
  retryBriefly(setLatest);
  const available = announce(
    { record: WATCHER_STATES.recordAvailable, publish: WATCHER_STATES.publishAvailable },
    { [LEDGER.state]: 'available', [LEDGER.availableAt]: NOW },
    {
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
    },
    setLatest,
  );

  const lastState = sfn.JsonPath.stringAt(`${LAST_IMAGE}.State`);
  const imageFailed = announceFailed(
    { record: WATCHER_STATES.recordImageFailed, publish: WATCHER_STATES.publishImageFailed },
    'image-failed',
    sfn.JsonPath.format(
      '{}: {}',
      sfn.JsonPath.stringAt(`${LAST_IMAGE}.StateReason.Code`),
      sfn.JsonPath.stringAt(`${LAST_IMAGE}.StateReason.Message`),
    ),
    lastState,
  );
  const imageFailedWithoutReason = announceFailed(
    {
      record: WATCHER_STATES.recordImageFailedWithoutReason,
      publish: WATCHER_STATES.publishImageFailedWithoutReason,
    },
    'image-failed',
    sfn.JsonPath.format('The AMI entered the {} state.', lastState),
    lastState,
  );
  const imageMissing = announceFailed(
    { record: WATCHER_STATES.recordImageMissing, publish: WATCHER_STATES.publishImageMissing },
    'image-missing',
    'The AMI no longer exists (deregistered or disabled while it was pending).',
    undefined,
  );
  const timedOut = announceFailed(
    { record: WATCHER_STATES.recordTimedOut, publish: WATCHER_STATES.publishTimedOut },
    'timed-out',
    sfn.JsonPath.format(
      'The AMI was not available by its deadline, {}.',
      sfn.JsonPath.stringAt(`${IMAGE}.deadlineAt`),
    ),
    lastState,
  );

  // Runs only when a check got no answer after its retries, so the normal path pays nothing for
  // it. It keeps the previous answer (pending, or the initial `unknown`) but moves `checkedAt` to
  // now: otherwise the deadline would be compared with the time of the last answered check, and
  // an outage that began before the deadline would never end.
  const noAnswer = new sfn.Pass(scope, WATCHER_STATES.noAnswer, {
    comment: 'EC2 did not answer the check: keep the previous answer, record the time',
    parameters: {
      image: sfn.JsonPath.objectAt(IMAGE),
      describe: {
        count: sfn.JsonPath.numberAt('$.describe.count'),
        images: sfn.JsonPath.listAt('$.describe.images'),
        checkedAt: NOW,
      },
      // The error stays in the execution history (this state's input), not in later states.
    },
  });

  const failedState = sfn.Condition.or(
    ...FAILED_IMAGE_STATES.map((state) => sfn.Condition.stringEquals(`${LAST_IMAGE}.State`, state)),
  );
  // One Choice per check, first match wins: an AMI that reached its final state at the last check
  // reports that state, not the deadline. A check that got no answer (NoAnswer) keeps the previous
  // answer, which can only be pending or the initial `unknown`, so it reaches the deadline rule
  // like a pending AMI does.
  const imageState = new sfn.Choice(scope, WATCHER_STATES.imageState)
    .when(sfn.Condition.numberEquals('$.describe.count', 0), imageMissing.record)
    .when(sfn.Condition.stringEquals(`${LAST_IMAGE}.State`, 'available'), available.record)
    .when(
      sfn.Condition.and(
        failedState,
        sfn.Condition.isPresent(`${LAST_IMAGE}.StateReason.Code`),
        sfn.Condition.isPresent(`${LAST_IMAGE}.StateReason.Message`),
      ),
      imageFailed.record,
    )
    .when(failedState, imageFailedWithoutReason.record)
    .when(
      sfn.Condition.timestampGreaterThanEqualsJsonPath(CHECKED_AT, `${IMAGE}.deadlineAt`),
      timedOut.record,
    )
    .otherwise(wait);

  describe.addCatch(noAnswer.next(imageState), {
    errors: [sfn.Errors.ALL],
    resultPath: '$.lastError',
  });

  const map = new sfn.DistributedMap(scope, WATCHER_STATES.map, {
    comment: 'One child execution per AMI of the request',
    itemsPath: sfn.JsonPath.stringAt('$.images'),
    itemSelector: {
      image: sfn.JsonPath.stringAt('$$.Map.Item.Value'),
      // Read by NoAnswer and PublishTimedOut when no check ever got an answer.
      describe: { count: 1, images: [{ State: 'unknown' }] },
    },
    maxConcurrency: props.maxConcurrency,
    mapExecutionType: sfn.StateMachineType.STANDARD,
    // A failed child ends only its own AMI; by default the first one would fail the Map Run and
    // Step Functions would stop the siblings, leaving their names without a terminal event.
    toleratedFailurePercentage: 100,
    label: WATCHER_MAP_LABEL,
    resultPath: sfn.JsonPath.DISCARD,
  });
  // The timeout is the normal end of a wait; a wake-up (the token returned) ends it early. Both go
  // on to the check.
  wait.addCatch(describe, { errors: [sfn.Errors.TIMEOUT], resultPath: sfn.JsonPath.DISCARD });
  wait.addCatch(waitUnwoken.next(describe), {
    errors: [sfn.Errors.ALL],
    resultPath: sfn.JsonPath.DISCARD,
  });
  for (const outcome of [
    available,
    imageFailed,
    imageFailedWithoutReason,
    imageMissing,
    timedOut,
  ]) {
    onWatcherError(outcome.record);
    onWatcherError(outcome.publish);
  }
  map.itemProcessor(wait.next(describe).next(imageState));

  return { definition: map };
}
