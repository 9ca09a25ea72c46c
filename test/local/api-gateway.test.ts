import type { APIGatewayProxyEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalApiGateway, startApiGateway } from '../../infra/local/api-gateway';

let gateway: LocalApiGateway;
const seen: APIGatewayProxyEvent[] = [];

beforeAll(async () => {
  gateway = await startApiGateway({
    routes: [
      {
        stage: 'prod',
        method: 'POST',
        resourcePath: '/create-ami',
        invoke: async (event) => {
          seen.push(event);
          if (event.body === 'crash') throw new Error('boom');
          if (event.body === 'garbage') return 'not a proxy result';
          return { statusCode: 202, headers: { 'x-test': 'yes' }, body: '{"ok":true}' };
        },
      },
    ],
  });
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

  it('should answer 403 Missing Authentication Token for an unknown path or method', async () => {
    const wrongPath = await fetch(`${gateway.url}/prod/other`, { method: 'POST' });
    const wrongMethod = await fetch(`${gateway.url}/prod/create-ami`);
    expect(wrongPath.status).toBe(403);
    expect(wrongMethod.status).toBe(403);
    expect(await wrongPath.json()).toEqual({ message: 'Missing Authentication Token' });
  });

  it('should answer 502 when the function fails or returns something that is not a proxy result', async () => {
    for (const body of ['crash', 'garbage']) {
      const response = await fetch(`${gateway.url}/prod/create-ami`, { method: 'POST', body });
      expect(response.status).toBe(502);
      expect(await response.json()).toEqual({ message: 'Internal server error' });
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
