import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
} from '@aws-sdk/client-ec2';
import { afterEach, describe, expect, it } from 'vitest';
import { createEc2Service } from '../../../infra/local/ec2';
import { errorOf, type RunningEc2, startEc2 } from './harness';

let ec2: RunningEc2 | undefined;
afterEach(async () => {
  await ec2?.close();
  ec2 = undefined;
});

const post = (endpoint: string, body: string) =>
  fetch(endpoint, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body,
  });

describe('wire format', () => {
  it('should answer an unknown Action with InvalidAction, 400 and EC2’s XML error body', async () => {
    ec2 = await startEc2();
    const response = await post(ec2.endpoint, 'Action=LaunchRocket&Version=2016-11-15');
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(
      /^<\?xml version="1\.0" encoding="UTF-8"\?>\n<Response><Errors><Error><Code>InvalidAction<\/Code><Message>The action LaunchRocket is not valid for this web service\.<\/Message><\/Error><\/Errors><RequestID>[0-9a-f-]{36}<\/RequestID><\/Response>$/,
    );
  });

  it('should answer in the 2016-11-15 namespace with a requestId and escaped text', async () => {
    ec2 = await startEc2();
    ec2.service.seed({ images: [{ name: 'a&b <c>', tags: { Note: '"quoted" & \'single\'' } }] });
    const response = await post(
      ec2.endpoint,
      'Action=DescribeImages&Version=2016-11-15&Owner.1=self',
    );
    const text = await response.text();
    expect(response.status).toBe(200);
    expect(text).toContain(
      '<DescribeImagesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>',
    );
    expect(text).toContain('<name>a&amp;b &lt;c&gt;</name>');
    const { Images } = await ec2.client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    expect(Images?.[0]?.Tags?.[0]?.Value).toBe('"quoted" & \'single\'');
  });

  it('should answer DryRun with DryRunOperation (412)', async () => {
    ec2 = await startEc2();
    const error = await errorOf(ec2.client.send(new DescribeImagesCommand({ DryRun: true })));
    expect(error.name).toBe('DryRunOperation');
    expect(error.$metadata?.httpStatusCode).toBe(412);
  });
});

describe('throttling', () => {
  it('should drain a bucket into RequestLimitExceeded (503), then refill at the scaled rate', async () => {
    ec2 = await startEc2({
      throttling: {
        rateScale: 2,
        buckets: { DescribeImages: { capacity: 3, refillPerSecond: 1 } },
      },
    });
    const describe = () => ec2?.client.send(new DescribeImagesCommand({ Owners: ['self'] }));
    for (let n = 0; n < 3; n += 1) await describe();
    const throttled = await errorOf(describe() as Promise<unknown>);
    expect(throttled.name).toBe('RequestLimitExceeded');
    expect(throttled.$metadata?.httpStatusCode).toBe(503);
    ec2.clock.advance(499);
    expect((await errorOf(describe() as Promise<unknown>)).name).toBe('RequestLimitExceeded');
    ec2.clock.advance(1);
    await expect(describe()).resolves.toHaveProperty('Images');
    expect(ec2.service.stats().throttled).toEqual({ DescribeImages: 2 });
  });

  it('should give unfiltered, unpaginated DescribeInstances the smaller 50-token bucket', async () => {
    ec2 = await startEc2({ throttling: {} });
    for (let n = 0; n < 50; n += 1) await ec2.client.send(new DescribeInstancesCommand({}));
    expect((await errorOf(ec2.client.send(new DescribeInstancesCommand({})))).name).toBe(
      'RequestLimitExceeded',
    );
    await expect(
      ec2.client.send(new DescribeInstancesCommand({ MaxResults: 5 })),
    ).resolves.toHaveProperty('Reservations');
  });

  it('should never throttle with throttling off', async () => {
    ec2 = await startEc2({ throttling: false });
    for (let n = 0; n < 120; n += 1) await ec2.client.send(new DescribeInstancesCommand({}));
    expect(ec2.service.stats().throttled).toEqual({});
  });
});

describe('failure injection', () => {
  it('should fail the next calls of an action with the injected error', async () => {
    ec2 = await startEc2();
    const [instanceId] = ec2.service.seed({ instances: [{ name: 'x' }] }).instanceIds as [string];
    ec2.service.injectFailure({
      action: 'CreateImage',
      code: 'InternalError',
      statusCode: 500,
      times: 1,
    });
    const create = (name: string) =>
      ec2?.client.send(
        new CreateImageCommand({ InstanceId: instanceId, Name: name }),
      ) as Promise<unknown>;
    const error = await errorOf(create('first'));
    expect([error.name, error.$metadata?.httpStatusCode]).toEqual(['InternalError', 500]);
    await expect(create('second')).resolves.toHaveProperty('ImageId');
  });
});

describe('state', () => {
  it('should survive a JSON round trip into a new service, bakes in progress included', async () => {
    ec2 = await startEc2({ bakeMs: 10_000 });
    const [instanceId] = ec2.service.seed({ instances: [{ name: 'api' }] }).instanceIds as [string];
    const { ImageId } = await ec2.client.send(
      new CreateImageCommand({ InstanceId: instanceId, Name: 'persisted' }),
    );
    const saved = JSON.parse(JSON.stringify(ec2.service.snapshotState()));
    await ec2.close();

    ec2 = await startEc2({ bakeMs: 10_000, state: saved });
    ec2.clock.advance(5_000);
    const during = await ec2.client.send(
      new DescribeImagesCommand({ ImageIds: [ImageId as string] }),
    );
    expect(during.Images?.[0]?.State).toBe('pending');
    ec2.clock.advance(5_000);
    const after = await ec2.client.send(
      new DescribeImagesCommand({ ImageIds: [ImageId as string] }),
    );
    expect(after.Images?.[0]).toMatchObject({
      State: 'available',
      Name: 'persisted',
      SourceInstanceId: instanceId,
    });
    const duplicate = await errorOf(
      ec2.client.send(new CreateImageCommand({ InstanceId: instanceId, Name: 'persisted' })),
    );
    expect(duplicate.name).toBe('InvalidAMIName.Duplicate');
  });

  it('should reject a bad fixture naming the field, adding nothing', () => {
    const service = createEc2Service({ throttling: false });
    expect(() =>
      service.seed({ images: [{ name: 'ok' }, { name: 'bad', creationDate: 'yesterday' }] }),
    ).toThrow(/images\[1\]\.creationDate/);
    expect(service.snapshotState().images).toEqual([]);
  });
});

describe('scale', () => {
  // How fast: `npm run bench -- --only janitor-at-scale` reports the seed's time at this scale.
  it('should seed 10,000 images with 20,000 snapshots and filter them by tag', async () => {
    const service = createEc2Service({ throttling: false });
    const images = Array.from({ length: 10_000 }, (_, n) => ({
      name: `svc-${n % 10}-Deploy-${n}`,
      creationDate: new Date(Date.UTC(2025, 0, 1) + n * 60_000).toISOString(),
      tags: { Reason: 'Deploy', 'ami-lifecycle:instance-name': `svc-${n % 10}` },
      snapshots: 2,
    }));
    service.seed({ images });

    const body = new URLSearchParams({
      Action: 'DescribeImages',
      'Owner.1': 'self',
      'Filter.1.Name': 'tag:ami-lifecycle:instance-name',
      'Filter.1.Value.1': 'svc-3',
      'Filter.2.Name': 'tag:Reason',
      'Filter.2.Value.1': 'Deploy',
      MaxResults: '1000',
    }).toString();
    const response = await service.handle({ method: 'POST', path: '/', headers: {}, body });
    expect(response.statusCode).toBe(200);
    expect(response.body.match(/<imageId>/g)).toHaveLength(1_000);
    expect(response.body.match(/<name>svc-3-Deploy-\d+<\/name>/g)).toHaveLength(1_000);
    expect(service.snapshotState().snapshots).toHaveLength(20_000);
  });
});
