import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiRoute,
  type LocalApiGateway,
  startApiGateway,
} from '../../infra/local/api-gateway';
import { keepAliveSeconds, openRaw, watchUnhandledRejections } from './raw-client';

let gateway: LocalApiGateway;
const seen: APIGatewayProxyEvent[] = [];

const createAmi: ApiRoute = {
  stage: 'prod',
  method: 'POST',
  resourcePath: '/create-ami',
  invoke: async (event) => {
    seen.push(event);
    if (event.body === 'crash') throw new Error('boom');
    if (event.body === 'garbage') return 'not a proxy result';
    // Proxy results node:http refuses to write.
    if (event.body === 'bad-header') return { statusCode: 200, headers: { 'x-bad': 'a\r\nb' } };
    if (event.body === 'bad-status') return { statusCode: 42 };
    return { statusCode: 202, headers: { 'x-test': 'yes' }, body: '{"ok":true}' };
  },
};

beforeAll(async () => {
  gateway = await startApiGateway({ routes: [createAmi] });
});

afterAll(async () => {
  await gateway.close();
});

describe('local API Gateway', () => {
  it('should turn an HTTP request into a REST proxy event and answer with the result', async () => {
    const response = await fetch(`${gateway.url}/prod/create-ami`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"instance_name_list":["a"]}',
    });
    expect(response.status).toBe(202);
    expect(response.headers.get('x-test')).toBe('yes');
    expect(await response.json()).toEqual({ ok: true });
    const event = seen.at(-1);
    expect(event).toMatchObject({
      httpMethod: 'POST',
      resource: '/create-ami',
      path: '/create-ami',
      body: '{"instance_name_list":["a"]}',
      isBase64Encoded: false,
      requestContext: {
        stage: 'prod',
        resourcePath: '/create-ami',
        path: '/prod/create-ami',
        accountId: '123456789012',
        identity: { userArn: 'arn:aws:iam::123456789012:user/local' },
      },
    });
    expect(event?.headers['content-type']).toBe('application/json');
  });

  it('should keep an idle connection open for a minute, so that a client reusing it is not reset', async () => {
    const seconds = await keepAliveSeconds(`${gateway.url}/prod/create-ami`, {
      'content-type': 'application/json',
    });

    expect(seconds).toBeGreaterThanOrEqual(60);
  });

  it('should answer 403 Missing Authentication Token for an unknown path or method', async () => {
    const wrongPath = await fetch(`${gateway.url}/prod/other`, { method: 'POST' });
    const wrongMethod = await fetch(`${gateway.url}/prod/create-ami`);
    expect(wrongPath.status).toBe(403);
    expect(wrongMethod.status).toBe(403);
    expect(await wrongPath.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('should let the function answer every method of a route defined for ANY, as API Gateway does', async () => {
    // Prepare: the function's own answer to a method it refuses (as services/api does)
    const anyMethod = await startApiGateway({
      routes: [
        {
          stage: 'prod',
          method: 'ANY',
          resourcePath: '/create-ami',
          invoke: async (event) =>
            event.httpMethod === 'POST'
              ? { statusCode: 202, body: '{}' }
              : { statusCode: 405, headers: { allow: 'POST' }, body: '{"message":"use POST"}' },
        },
      ],
    });
    try {
      // Act
      const get = await fetch(`${anyMethod.url}/prod/create-ami`);
      const post = await fetch(`${anyMethod.url}/prod/create-ami`, { method: 'POST', body: '{}' });

      // Assess
      expect(get.status).toBe(405);
      expect(get.headers.get('allow')).toBe('POST');
      expect(post.status).toBe(202);
    } finally {
      await anyMethod.close();
    }
  });

  it('should answer 502 when the function fails or returns something that is not a proxy result', async () => {
    for (const body of ['crash', 'garbage', 'bad-header', 'bad-status']) {
      const response = await fetch(`${gateway.url}/prod/create-ami`, { method: 'POST', body });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
    }
  });

  it('should answer 504 when the function outlasts the integration timeout, and others meanwhile', async () => {
    // Prepare: a function that answers only when the test lets it, behind a 0.2 s integration
    // timeout (29 s by default, as API Gateway's); it is left to finish, as Lambda's would be.
    let finished = 0;
    let release = () => {};
    const released = new Promise<void>((done) => {
      release = done;
    });
    const slow = await startApiGateway({
      routes: [
        {
          ...createAmi,
          timeoutMs: 200,
          invoke: async (event) => {
            if (event.body === 'slow') {
              await released;
              finished += 1;
              return { statusCode: 202, body: '{"late":true}' };
            }
            return { statusCode: 202, body: '{"ok":true}' };
          },
        },
      ],
    });
    try {
      // Act
      const send = (body: string) => fetch(`${slow.url}/prod/create-ami`, { method: 'POST', body });
      const [late, quick] = await Promise.all([send('slow'), send('quick')]);

      // Assess
      expect(late.status).toBe(504);
      expect(await late.json()).toEqual({ message: 'Endpoint request timed out' });
      expect(quick.status).toBe(202);
      expect(finished).toBe(0);
    } finally {
      release();
      await slow.close();
    }
  });

  it('should base64-encode a body that is not UTF-8 text', async () => {
    await fetch(`${gateway.url}/prod/create-ami`, {
      method: 'POST',
      body: new Uint8Array([0xff, 0xfe, 0x00]),
    });
    expect(seen.at(-1)).toMatchObject({ isBase64Encoded: true, body: '//4A' });
  });
});

/** A well-formed request to the test route, answered 202 by the function. */
async function createAmiStatus(url: string): Promise<number> {
  const response = await fetch(`${url}/prod/create-ami`, { method: 'POST', body: '{}' });
  await response.arrayBuffer();
  return response.status;
}

const head = (contentLength: number) =>
  `POST /prod/create-ami HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${contentLength}\r\n\r\n`;

describe('local API Gateway with clients that misbehave', () => {
  it('should outlive a client that sends part of a body and disconnects, answering others', async () => {
    // Prepare
    const rejections = watchUnhandledRejections();
    const invoked = seen.length;
    try {
      // Act: 1,000 bytes announced, 11 sent, then the client is gone.
      const client = await openRaw(gateway.url);
      await client.send(`${head(1_000)}{"instance_`);
      client.socket.destroy();
      await client.closed;
      // Assess: the next request is answered; the cut one never reached the function.
      expect(await createAmiStatus(gateway.url)).toBe(202);
      await new Promise((resolve) => setImmediate(resolve));
      expect(rejections.reasons).toEqual([]);
      expect(seen.length).toBe(invoked + 1);
    } finally {
      rejections.stop();
    }
  });

  it('should answer 400 to bytes that are not HTTP and close that connection', async () => {
    const rejections = watchUnhandledRejections();
    try {
      const client = await openRaw(gateway.url);
      await client.send('\x16\x03\x01\x02\x00 not HTTP at all\r\n\r\n');
      await client.closed;
      expect(client.received()).toMatch(/^HTTP\/1\.1 400 /);
      expect(await createAmiStatus(gateway.url)).toBe(202);
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
    }
  });

  it('should answer 403 to a request target that is not a URL', async () => {
    const rejections = watchUnhandledRejections();
    try {
      const client = await openRaw(gateway.url);
      await client.send('GET //[:: HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
      await client.closed;
      expect(client.received()).toMatch(/^HTTP\/1\.1 403 /);
      expect(client.received()).toContain('{"message":"Missing Authentication Token"}');
      expect(await createAmiStatus(gateway.url)).toBe(202);
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
    }
  });

  it('should keep answering others while clients hang mid-request, and close them on close', async () => {
    // Prepare: a gateway of its own, closed by the test.
    const own = await startApiGateway({ routes: [createAmi] });
    const rejections = watchUnhandledRejections();
    try {
      const midHeaders = await openRaw(own.url);
      await midHeaders.send('POST /prod/create-ami HTTP/1.1\r\nHost: local');
      const midBody = await openRaw(own.url);
      await midBody.send(`${head(100)}{"instance`);
      // Act and Assess: others are answered while both wait for bytes that never come.
      expect(await createAmiStatus(own.url)).toBe(202);
      expect(midHeaders.received()).toBe('');
      expect(midBody.received()).toBe('');
      // Closing the gateway ends the connections it still holds.
      await own.close();
      await Promise.all([midHeaders.closed, midBody.closed]);
      expect(rejections.reasons).toEqual([]);
    } finally {
      rejections.stop();
      await own.close().catch(() => undefined);
    }
  });
});
