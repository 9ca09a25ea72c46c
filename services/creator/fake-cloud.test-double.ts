// Test double: an in-memory EC2 account and Step Functions state machine behind
// aws-sdk-client-mock, faithful where the creator depends on it (filters, pagination, tags,
// duplicate names, execution idempotency). Used by the creator's tests only.
import {
  CreateImageCommand,
  type CreateImageCommandInput,
  DescribeImagesCommand,
  type DescribeImagesCommandInput,
  DescribeInstancesCommand,
  EC2Client,
  EC2ServiceException,
  type Filter,
  type Image,
  type Instance,
  type Tag,
} from '@aws-sdk/client-ec2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  DescribeExecutionCommand,
  ExecutionAlreadyExists,
  ExecutionDoesNotExist,
  SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { mockClient } from 'aws-sdk-client-mock';
import { AmiFailedV1, type AmiFailedV1Detail } from '../../events/ami-failed.v1';
import { SOURCES } from '../../events/contract';
import type { RequestLedger } from '../shared/request-ledger';

export const ACCOUNT = '123456789012';
export const STATE_MACHINE_ARN = `arn:aws:states:ap-northeast-2:${ACCOUNT}:stateMachine:ami-lifecycle-watcher`;
export const ANNOUNCER_ARN = `arn:aws:states:ap-northeast-2:${ACCOUNT}:stateMachine:ami-lifecycle-announcer`;

export function ec2Error(name: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name, message, $fault: 'client', $metadata: {} });
}

export interface FakeInstance {
  readonly id: string;
  readonly name: string;
  readonly launchTime: string;
  readonly state?: string;
}

/** Instances and images of one account; DescribeInstances answers `pageSize` instances a page. */
export function fakeEc2Account({ pageSize = 2 }: { pageSize?: number } = {}) {
  const ec2 = mockClient(EC2Client);
  const instances: Instance[] = [];
  const images: Image[] = [];
  /** Images a tag-filtered DescribeImages does not return yet (EC2 is eventually consistent). */
  const notYetTagIndexed = new Set<string>();
  let nextImage = 1;
  const createImageFailures = new Map<string, { error: Error; times: number }>();

  const addInstance = ({ id, name, launchTime, state = 'running' }: FakeInstance): void => {
    instances.push({
      InstanceId: id,
      LaunchTime: new Date(launchTime),
      State: { Name: state as 'running' },
      Tags: [{ Key: 'Name', Value: name }],
    });
  };
  const addImage = (image: Image, { tagIndexed = true } = {}): void => {
    images.push({ OwnerId: ACCOUNT, State: 'pending', ...image });
    if (!tagIndexed && image.ImageId) notYetTagIndexed.add(image.ImageId);
  };

  ec2.on(DescribeInstancesCommand).callsFake(({ Filters = [], NextToken }) => {
    const matching = instances.filter((instance) =>
      matches(Filters, (filter) => {
        if (filter === 'instance-state-name') return [instance.State?.Name];
        return tagValues(instance.Tags, filter);
      }),
    );
    const start = NextToken ? Number(NextToken) : 0;
    const page = matching.slice(start, start + pageSize);
    const next = start + pageSize < matching.length ? String(start + pageSize) : undefined;
    // One reservation per instance, as for instances launched one by one.
    return { Reservations: page.map((instance) => ({ Instances: [instance] })), NextToken: next };
  });

  ec2
    .on(DescribeImagesCommand)
    .callsFake(({ Owners, Filters = [] }: DescribeImagesCommandInput) => {
      if (!Owners?.includes('self'))
        throw new Error('the creator must only look at its own images');
      const byTag = Filters.some((filter) => filter.Name?.startsWith('tag:'));
      return {
        Images: images.filter(
          (image) =>
            !(byTag && notYetTagIndexed.has(image.ImageId ?? '')) &&
            matches(Filters, (filter) =>
              filter === 'name' ? [image.Name] : tagValues(image.Tags, filter),
            ),
        ),
      };
    });

  /** CreateImage of this instance fails `times` times with `error`, then works again. */
  const failCreateImage = (instanceId: string, error: Error, times = Number.POSITIVE_INFINITY) => {
    createImageFailures.set(instanceId, { error, times });
  };

  ec2
    .on(CreateImageCommand)
    .callsFake(({ InstanceId, Name, TagSpecifications = [] }: CreateImageCommandInput) => {
      const failure = createImageFailures.get(InstanceId ?? '');
      if (failure && failure.times > 0) {
        failure.times -= 1;
        throw failure.error;
      }
      if (!instances.some((instance) => instance.InstanceId === InstanceId)) {
        throw ec2Error(
          'InvalidInstanceID.NotFound',
          `The instance ID '${InstanceId}' does not exist`,
        );
      }
      if (images.some((image) => image.Name === Name)) {
        throw ec2Error('InvalidAMIName.Duplicate', `AMI name ${Name} is already in use by AMI`);
      }
      const imageId = `ami-${String(nextImage++).padStart(17, '0')}`;
      const tags = TagSpecifications.find((spec) => spec.ResourceType === 'image')?.Tags ?? [];
      addImage({
        ImageId: imageId,
        Name,
        Tags: tags,
        CreationDate: '2025-06-05T12:00:30.000Z',
      });
      return { ImageId: imageId };
    });

  return { ec2, images, addInstance, addImage, failCreateImage };
}

/** What an announcer execution does when it starts: publish the detail, mark it published. */
export type Announce = (detail: AmiFailedV1Detail) => void | Promise<void>;

/**
 * The announcer's two states played by hand: PutEvents of the AmiFailed (through whatever mocks
 * EventBridgeClient, so the test sees it published) and the ledger's RecordPublished write.
 */
export function announceThrough(
  eventBusName: string,
  ledger: Pick<RequestLedger, 'markPublished'>,
): Announce {
  return async (detail) => {
    await new EventBridgeClient({ region: 'ap-northeast-2' }).send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: eventBusName,
            Source: SOURCES.creator,
            DetailType: AmiFailedV1.detailType,
            Detail: JSON.stringify(detail),
          },
        ],
      }),
    );
    await ledger.markPublished(detail.data);
  };
}

/**
 * The watcher and the announcer as Standard state machines' name rules make them: the same name
 * and input returns the execution there is; another input answers ExecutionAlreadyExists. An
 * announcer execution runs `announce` once, when it starts: SUCCEEDED if that returns, FAILED if
 * it throws (the start itself succeeds either way, as on AWS).
 */
export function fakeStateMachine(announce: Announce = () => {}) {
  const sfn = mockClient(SFNClient);
  /** The watcher's executions. */
  const executions = new Map<string, { arn: string; input: string }>();
  /** The announcer's executions. */
  const announcements = new Map<string, { arn: string; input: string; status: string }>();
  const startFailures: Error[] = [];

  /** The next StartExecution calls fail with these errors, one each, then work again. */
  const failStartExecution = (...errors: Error[]) => {
    startFailures.push(...errors);
  };

  sfn.on(StartExecutionCommand).callsFake(async ({ stateMachineArn, name, input }) => {
    const failure = startFailures.shift();
    if (failure) throw failure;
    const announcer = stateMachineArn === ANNOUNCER_ARN;
    const arn = `${(stateMachineArn ?? '').replace(':stateMachine:', ':execution:')}:${name}`;
    const existing = (announcer ? announcements : executions).get(arn);
    if (existing && existing.input !== input) {
      throw new ExecutionAlreadyExists({
        message: `Execution Already Exists: '${arn}'`,
        $metadata: {},
      });
    }
    if (!announcer) {
      executions.set(arn, { arn, input: input ?? '{}' });
    } else if (!existing) {
      const execution = { arn, input: input ?? '{}', status: 'RUNNING' };
      announcements.set(arn, execution);
      try {
        await announce(JSON.parse(execution.input).detail);
        execution.status = 'SUCCEEDED';
      } catch {
        execution.status = 'FAILED';
      }
    }
    return { executionArn: arn, startDate: new Date() };
  });

  sfn.on(DescribeExecutionCommand).callsFake(({ executionArn }) => {
    const announced = announcements.get(executionArn ?? '');
    if (announced) return { executionArn, input: announced.input, status: announced.status };
    const execution = executions.get(executionArn ?? '');
    if (!execution) {
      throw new ExecutionDoesNotExist({ message: 'Execution Does Not Exist', $metadata: {} });
    }
    return { executionArn, input: execution.input, status: 'RUNNING' };
  });

  /** Every image id and the executions watching it. */
  const watchers = (): Map<string, string[]> => {
    const byImage = new Map<string, string[]>();
    for (const { arn, input } of executions.values()) {
      for (const image of JSON.parse(input).images as { imageId: string }[]) {
        byImage.set(image.imageId, [...(byImage.get(image.imageId) ?? []), arn]);
      }
    }
    return byImage;
  };

  return { sfn, executions, announcements, watchers, failStartExecution };
}

function matches(filters: Filter[], valuesOf: (name: string) => (string | undefined)[]): boolean {
  return filters.every((filter) => {
    const values = valuesOf(filter.Name ?? '');
    return filter.Values?.some((wanted) => values.includes(wanted)) ?? false;
  });
}

function tagValues(tags: Tag[] | undefined, filter: string): (string | undefined)[] {
  if (!filter.startsWith('tag:')) throw new Error(`filter ${filter} is not supported here`);
  const key = filter.slice('tag:'.length);
  return (tags ?? []).filter((tag) => tag.Key === key).map((tag) => tag.Value);
}
