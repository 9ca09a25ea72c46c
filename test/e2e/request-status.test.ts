import { GetParameterCommand, SSMClient } from '@aws-sdk/client-ssm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  errorBodySchema,
  type RequestStatus,
  requestListSchema,
  requestStatusSchema,
} from '../../services/api/request-status';
import { eventually, startTestCloud, terminalEventsByName } from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;
let apiUrl: string;

beforeAll(async () => {
  system = await startTestCloud();
  apiUrl = system.cloud.createAmiUrl.replace(/\/create-ami$/, '');
}, 60_000);

afterAll(async () => {
  await system?.stop();
});

async function requestAmis(body: unknown): Promise<string> {
  const response = await system.createAmi(body);
  expect(response.status).toBe(202);
  return ((await response.json()) as { requestId: string }).requestId;
}

async function statusOf(requestId: string): Promise<RequestStatus> {
  const response = await fetch(`${apiUrl}/requests/${requestId}`);
  expect(response.status).toBe(200);
  return requestStatusSchema.parse(await response.json());
}

describe('request status, end to end over HTTP', () => {
  it('should follow a request from requested to its terminal events, name by name', {
    timeout: 90_000,
  }, async () => {
    // Act
    const requestId = await requestAmis({
      instance_name_list: ['service-api', 'service-ghost'],
      requested_by: 'release 42',
    });
    const accepted = await statusOf(requestId);
    const ended = await eventually(async () => {
      const status = await statusOf(requestId);
      return ['available', 'failed'].includes(status.state) ? status : undefined;
    }, 'the request to end');

    // Assess: known as soon as it is accepted, then each name as its terminal event says.
    expect(accepted.names.map((name) => name.instanceName)).toEqual([
      'service-api',
      'service-ghost',
    ]);
    expect(accepted.requestLabel).toBe('release 42');
    const events = await system.eventsOf(requestId);
    const terminal = terminalEventsByName(events);
    expect(Object.fromEntries(terminal)).toEqual({
      'service-api': ['AmiAvailable'],
      'service-ghost': ['AmiFailed'],
    });
    const available = events.find((event) => event['detail-type'] === 'AmiAvailable');
    expect(ended.state).toBe('failed');
    expect(ended.names).toMatchObject([
      {
        instanceName: 'service-api',
        state: 'available',
        imageId: available?.detail.data.imageId,
        imageName: available?.detail.data.imageName,
        instanceId: available?.detail.data.instanceId,
      },
      { instanceName: 'service-ghost', state: 'failed', reason: 'instance-not-found' },
    ]);

    // Launch templates can resolve the name's latest AMI through Parameter Store.
    const ssm = new SSMClient({
      endpoint: system.cloud.awsEndpoint,
      region: system.cloud.region,
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const { Parameter } = await ssm.send(
      new GetParameterCommand({ Name: '/ami-lifecycle/service-api/latest' }),
    );
    ssm.destroy();
    expect(Parameter).toMatchObject({
      Value: available?.detail.data.imageId,
      DataType: 'aws:ec2:image',
    });

    // The name's latest requests list it first.
    const listed = requestListSchema.parse(
      await (await fetch(`${apiUrl}/requests?instanceName=service-api&limit=1`)).json(),
    );
    expect(listed.requests.map((request) => request.requestId)).toEqual([requestId]);
  });

  it('should answer 404 for an unknown request id and 400 for a malformed one', async () => {
    const unknown = await fetch(`${apiUrl}/requests/no-such-request`);
    const malformed = await fetch(`${apiUrl}/requests/${encodeURIComponent('not valid!')}`);

    expect(unknown.status).toBe(404);
    expect(errorBodySchema.parse(await unknown.json()).message).toMatch(/no-such-request/);
    expect(malformed.status).toBe(400);
    expect(errorBodySchema.parse(await malformed.json()).errors?.[0]?.field).toBe('requestId');
  });
});
