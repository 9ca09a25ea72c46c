import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterEach, describe, expect, it } from 'vitest';
import { type LocalEndpoint, startLocalEndpoint } from '../../infra/local/endpoint';
import type { LocalRequest, LocalService } from '../../infra/local/protocol';
import { keepAliveSeconds, openRaw, watchUnhandledRejections } from './raw-client';

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };
let endpoint: LocalEndpoint | undefined;
afterEach(async () => {
  await endpoint?.close();
  endpoint = undefined;
});

function fakeService(name: string) {
  const requests: LocalRequest[] = [];
  const service: LocalService = {
    async handle(request) {
      requests.push(request);
      return { statusCode: 200, headers: { 'content-type': 'text/plain' }, body: name };
    },
  };
  return { service, requests };
}

describe('startLocalEndpoint', () => {
  it('should listen on a free loopback port when asked for port 0', async () => {
    endpoint = await startLocalEndpoint({ port: 0, services: {} });
    expect(endpoint.port).toBeGreaterThan(0);
    expect(endpoint.url).toBe(`http://127.0.0.1:${endpoint.port}`);
  });

  it('should route by X-Amz-Target prefix and by form-encoded Action', async () => {
    const ec2 = fakeService('ec2');
    const events = fakeService('events');
    const sfn = fakeService('sfn');
    endpoint = await startLocalEndpoint({
      port: 0,
      services: { ec2: ec2.service, events: events.service, sfn: sfn.service },
    });
    const post = (headers: Record<string, string>, body: string) =>
      fetch(`${(endpoint as LocalEndpoint).url}/`, { method: 'POST', headers, body }).then(
        (response) => response.text(),
      );

    expect(await post({ 'x-amz-target': 'AWSEvents.PutEvents' }, '{}')).toBe('events');
    expect(await post({ 'x-amz-target': 'AWSStepFunctions.StartExecution' }, '{}')).toBe('sfn');
    expect(
      await post(
        { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        'Action=DescribeImages&Version=2016-11-15',
      ),
    ).toBe('ec2');
    expect(ec2.requests[0]).toMatchObject({
      method: 'POST',
      path: '/',
      body: 'Action=DescribeImages&Version=2016-11-15',
    });
    expect(ec2.requests[0]?.headers['content-type']).toMatch(/^application\/x-www-form-urlencoded/);
  });

  it('should keep an idle connection open for a minute, so that a client reusing it is not reset', async () => {
    // Node's default of 5 s races a client that reuses a connection idle for about as long:
    // the server closes it while the client writes, and the client reads ECONNRESET.
    endpoint = await startLocalEndpoint({
      port: 0,
      services: { events: fakeService('events').service },
    });

    const seconds = await keepAliveSeconds(endpoint.url, { 'x-amz-target': 'AWSEvents.PutEvents' });

    expect(seconds).toBeGreaterThanOrEqual(60);
  });

  it('should answer a clear 400 for a request no service answers', async () => {
    endpoint = await startLocalEndpoint({
      port: 0,
      services: { events: fakeService('events').service },
    });
    const unknownTarget = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'Kinesis_20131202.PutRecord' },
      body: '{}',
    });
    expect(unknownTarget.status).toBe(400);
    expect(await unknownTarget.json()).toEqual({
      __type: 'UnknownOperationException',
      message: expect.stringMatching(/Kinesis_20131202\.PutRecord/),
    });

    const notServed = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.StartExecution' },
      body: '{}',
    });
    expect(notServed.status).toBe(400);
    expect(((await notServed.json()) as { message: string }).message).toMatch(
      /Step Functions is not served/,
    );

    const nothing = await fetch(endpoint.url, { method: 'POST', body: 'hello' });
    expect(nothing.status).toBe(400);
    expect(((await nothing.json()) as { message: string }).message).toMatch(/X-Amz-Target/);
  });

  it('should answer 500 InternalFailure when a service throws', async () => {
    const failing: LocalService = {
      handle: async () => {
        throw new Error('boom');
      },
    };
    endpoint = await startLocalEndpoint({ port: 0, services: { sfn: failing } });
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSStepFunctions.ListExecutions' },
      body: '{}',
    });
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ __type: 'InternalFailure', message: 'boom' });
  });

  it('should be reached by an unchanged SDK client through AWS_ENDPOINT_URL, signature and all', async () => {
    const events = fakeService('events');
    events.service.handle = async (request) => {
      events.requests.push(request);
      return {
        statusCode: 200,
        headers: { 'content-type': 'application/x-amz-json-1.1' },
        body: '{"FailedEntryCount":0,"Entries":[{"EventId":"e-1"}]}',
      };
    };
    endpoint = await startLocalEndpoint({ port: 0, services: { events: events.service } });
    const previous = process.env.AWS_ENDPOINT_URL;
    process.env.AWS_ENDPOINT_URL = endpoint.url;
    try {
      const client = new EventBridgeClient({ region: 'us-east-1', credentials, maxAttempts: 1 });
      const result = await client.send(
        new PutEventsCommand({ Entries: [{ Source: 's', DetailType: 'd', Detail: '{}' }] }),
      );
      client.destroy();
      expect(result.Entries?.[0]?.EventId).toBe('e-1');
    } finally {
      if (previous === undefined) delete process.env.AWS_ENDPOINT_URL;
      else process.env.AWS_ENDPOINT_URL = previous;
    }
    expect(events.requests[0]?.headers.authorization).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(events.requests[0]?.headers['x-amz-target']).toBe('AWSEvents.PutEvents');
  });
});

describe('startLocalEndpoint with clients that misbehave', () => {
  const putEvents = (url: string) =>
    fetch(url, {
      method: 'POST',
      headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
      body: '{}',
    }).then((response) => response.text());

  it('should outlive a client that sends part of a body and disconnects, answering others', async () => {
    // Prepare
    const events = fakeService('events');
    endpoint = await startLocalEndpoint({ port: 0, services: { events: events.service } });
    const rejections = watchUnhandledRejections();
    try {
      // Act: 1,000 bytes announced, 2 sent, then the client is gone.
      const client = await openRaw(endpoint.url);
      await client.send(
        'POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 1000\r\n\r\n{"',
      );
      client.socket.destroy();
      await client.closed;
      // Assess: the next request is served; the cut one never reached the service.
      expect(await putEvents(endpoint.url)).toBe('events');
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections.reasons).toEqual([]);
      expect(events.requests).toHaveLength(1);
    } finally {
      rejections.stop();
    }
  });

  it('should answer 400 to bytes that are not HTTP and close that connection', async () => {
    endpoint = await startLocalEndpoint({
      port: 0,
      services: { events: fakeService('e').service },
    });
    const client = await openRaw(endpoint.url);
    await client.send('\x16\x03\x01\x02\x00 not HTTP at all\r\n\r\n');
    await client.closed;
    expect(client.received()).toMatch(/^HTTP\/1\.1 400 /);
    expect(await putEvents(endpoint.url)).toBe('e');
  });

  it('should answer 500 InternalFailure when a service answers what HTTP cannot carry', async () => {
    const unwritable: LocalService = {
      handle: async () => ({ statusCode: 200, headers: { 'x-bad': 'a\r\nb' }, body: 'ok' }),
    };
    endpoint = await startLocalEndpoint({ port: 0, services: { events: unwritable } });
    const rejections = watchUnhandledRejections();
    try {
      const response = await fetch(endpoint.url, {
        method: 'POST',
        headers: { 'x-amz-target': 'AWSEvents.PutEvents' },
        body: '{}',
      });
      expect(response.status).toBe(500);
      expect(await response.json()).toMatchObject({ __type: 'InternalFailure' });
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
    }
  });

  it('should keep answering others while clients hang mid-request, and close them on close', async () => {
    const own = await startLocalEndpoint({
      port: 0,
      services: { events: fakeService('e').service },
    });
    const rejections = watchUnhandledRejections();
    try {
      const midHeaders = await openRaw(own.url);
      await midHeaders.send('POST / HTTP/1.1\r\nHost: local');
      const midBody = await openRaw(own.url);
      await midBody.send(
        'POST / HTTP/1.1\r\nHost: localhost\r\nX-Amz-Target: AWSEvents.PutEvents\r\nContent-Length: 100\r\n\r\n{"',
      );
      expect(await putEvents(own.url)).toBe('e');
      expect(midHeaders.received()).toBe('');
      expect(midBody.received()).toBe('');
      await own.close();
      await Promise.all([midHeaders.closed, midBody.closed]);
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
      await own.close().catch(() => undefined);
    }
  });
});
