import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestStatusSchema } from '../../services/api/request-status';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud();
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

describe('EC2 answering 5xx, end to end over HTTP', () => {
  it('should end the name once, with AmiAvailable, when CreateImage succeeds on redelivery', {
    timeout: 300_000,
  }, async () => {
    // Prepare: more 500s than the creator's SDK retries (8 attempts), so its first delivery
    // ends unsettled and the platform delivers the request again.
    system.cloud.ec2.injectFailure({
      action: 'CreateImage',
      code: 'InternalError',
      message: 'An internal error has occurred.',
      statusCode: 500,
      times: 10,
    });

    // Act
    const response = await system.createAmi({ instance_name_list: ['service-api'] });
    expect(response.status).toBe(202);
    const { requestId } = (await response.json()) as { requestId: string };
    await eventually(
      async () => {
        const ended = terminalEventsByName(await system.eventsOf(requestId));
        return ended.size === 1 ? ended : undefined;
      },
      'the name to end',
      240_000,
    );
    await system.cloud.whenIdle();

    // Assess: no AmiFailed for the transient errors, one AMI, and the ledger agrees.
    const events = await system.eventsOf(requestId);
    expect(Object.fromEntries(terminalEventsByName(events))).toEqual({
      'service-api': ['AmiAvailable'],
    });
    expect(system.cloud.ec2.stats().calls.CreateImage).toBe(11);
    const images = system.cloud.ec2.state.images.filter(
      (image) => image.tags['ami-lifecycle:request-id'] === requestId,
    );
    expect(images).toHaveLength(1);
    const status = requestStatusSchema.parse(
      await (
        await fetch(system.cloud.createAmiUrl.replace(/create-ami$/, `requests/${requestId}`))
      ).json(),
    );
    expect(status).toMatchObject({
      state: 'available',
      names: [{ instanceName: 'service-api', state: 'available', imageId: images[0]?.imageId }],
    });
  });
});
