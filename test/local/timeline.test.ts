import { describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiPurgedV1 } from '../../events/ami-purged.v1';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { EVENT_CONTRACTS } from '../../events/catalog';
import {
  EC2_AMI_STATE_CHANGE,
  EC2_AMI_STATE_CHANGE_EXAMPLES,
} from '../../events/ec2-ami-state-change';
import { describeEvent } from '../../infra/local/event-summary';
import type { EventEnvelope } from '../../infra/local/events/model';

function envelope(detailType: string, source: string, detail: unknown): EventEnvelope {
  return {
    version: '0',
    id: 'e1',
    'detail-type': detailType,
    source,
    account: '123456789012',
    time: '2025-06-05T12:03:30Z',
    region: 'us-east-1',
    resources: [],
    detail: detail as Record<string, unknown>,
  };
}

/** The purge example with its one purged image's snapshot reported as `result`. */
function purgeWithSnapshotResult(result: 'success' | 'missing-permissions') {
  const example = AmiPurgedV1.examples[0] as (typeof AmiPurgedV1.examples)[number];
  const [image] = example.data.purged;
  return {
    ...example,
    data: {
      ...example.data,
      purged: [{ ...image, snapshots: [{ snapshotId: 'snap-0aaaaaaaaaaaaaaa1', result }] }],
    },
  };
}

describe('the local timeline', () => {
  it("should name the AMI and its state in EC2's own state-change events", () => {
    const [detail] = EC2_AMI_STATE_CHANGE_EXAMPLES;
    const line = describeEvent(
      envelope(EC2_AMI_STATE_CHANGE.detailType, EC2_AMI_STATE_CHANGE.source, { ...detail }),
    );
    expect(line).toBe('EC2 AMI State Change ami-0123456789abcdef0: available (default bus)');
  });

  it('should state the snapshot deletions a purge reports as failed, with their result', () => {
    const line = describeEvent(
      envelope(
        'AmiPurged',
        'ami-lifecycle.janitor',
        purgeWithSnapshotResult('missing-permissions'),
      ),
    );

    expect(line).toContain(
      '1 snapshot deletion failed: snap-0aaaaaaaaaaaaaaa1 (missing-permissions)',
    );
  });

  it('should not speak of failures when every snapshot of a purge was deleted', () => {
    const line = describeEvent(
      envelope('AmiPurged', 'ami-lifecycle.janitor', purgeWithSnapshotResult('success')),
    );

    expect(line).not.toContain('failed');
  });

  it('should state the images a purge could not deregister, with their error', () => {
    const example = AmiPurgedV1.examples[0] as (typeof AmiPurgedV1.examples)[number];
    const detail = {
      ...example,
      data: {
        ...example.data,
        failed: [
          {
            imageId: 'ami-0ccccccccccccccc1',
            instanceName: 'service-api',
            code: 'UnauthorizedOperation',
            message: 'not allowed',
          },
        ],
      },
    };

    const line = describeEvent(envelope('AmiPurged', 'ami-lifecycle.janitor', detail));

    expect(line).toContain('1 failed: ami-0ccccccccccccccc1 (UnauthorizedOperation: not allowed)');
  });

  it('should say which field of a malformed AmiRequested breaks its contract', () => {
    const [example] = AmiRequestedV1.examples;
    const detail = { ...example, data: {} };

    const line = describeEvent(envelope('AmiRequested', 'ci.pipeline', detail));

    expect(line).toMatch(
      /^AmiRequested from ci\.pipeline: does not match AmiRequested v1 \(detail\.data\.instanceNames: missing\)$/,
    );
  });

  it('should say so when an event of ours has no data at all', () => {
    const line = describeEvent(
      envelope('AmiAvailable', 'ami-lifecycle.watcher', { metadata: { schemaVersion: 1 } }),
    );

    expect(line).toMatch(
      /^AmiAvailable from ami-lifecycle\.watcher: does not match AmiAvailable v1 \(detail\./,
    );
  });

  it('should say so when EC2 state-change detail lacks its fields', () => {
    const line = describeEvent(envelope(EC2_AMI_STATE_CHANGE.detailType, 'aws.ec2', {}));

    expect(line).toMatch(
      /^EC2 AMI State Change from aws\.ec2: does not match EC2 AMI State Change \(/,
    );
  });

  it.each(
    EVENT_CONTRACTS.flatMap((contract) => [
      [`${contract.detailType} with an empty detail`, contract.detailType, {}],
      [`${contract.detailType} with a wrong data shape`, contract.detailType, { data: [1] }],
      ...contract.examples.map(
        (example, index) =>
          [`${contract.detailType} example ${index + 1}`, contract.detailType, example] as const,
      ),
    ]),
  )('should never print undefined: %s', (_name, detailType, detail) => {
    const line = describeEvent(envelope(detailType, 'ami-lifecycle.test', detail));

    expect(line).not.toContain('undefined');
  });

  it('should summarise a valid AmiAvailable by its image and snapshots', () => {
    const [example] = AmiAvailableV1.examples;

    const line = describeEvent(envelope('AmiAvailable', 'ami-lifecycle.watcher', example));

    expect(line).toBe(
      'AmiAvailable service-api: ami-0123456789abcdef0 with snapshots ["snap-0123456789abcdef0"]',
    );
  });
});
