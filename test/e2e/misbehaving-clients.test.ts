import { randomBytes } from 'node:crypto';
import { connect, type Socket } from 'node:net';
import { DescribeImagesCommand } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud } from './local-cloud-client';

let system: Awaited<ReturnType<typeof startTestCloud>>;
const sockets: Socket[] = [];

beforeAll(async () => {
  system = await startTestCloud();
}, 120_000);

afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await system?.stop();
});

/** Opens a raw connection to `url`'s host and port and writes `data` to it. */
async function rawClient(url: string, data: string | Buffer): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  socket.on('error', () => {});
  sockets.push(socket);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(data);
  return socket;
}

const halfRequest = (path: string, contentType: string, body: string) =>
  `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length * 2}\r\n\r\n${body}`;

describe('clients that abort mid-body, send garbage or hang', () => {
  it('should not disturb the requests beside them', { timeout: 120_000 }, async () => {
    // Prepare: on both servers, a client that sends half a body and waits, one that sends half a
    // body and goes away, and one that sends random bytes.
    const { createAmiUrl, awsEndpoint } = system.cloud;
    const apiPath = new URL(createAmiUrl).pathname;
    for (const [url, path, type, body] of [
      [createAmiUrl, apiPath, 'application/json', '{"instance_name_list":["serv'],
      [awsEndpoint, '/', 'application/x-www-form-urlencoded', 'Action=DescribeImages&Own'],
    ] as const) {
      await rawClient(url, halfRequest(path, type, body));
      (await rawClient(url, halfRequest(path, type, body))).destroy();
      await rawClient(url, randomBytes(4_096));
    }

    // Act
    const response = await system.createAmi({ instance_name_list: ['service-api'] });
    const images = await system.ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));

    // Assess
    expect(response.status).toBe(202);
    expect(images.Images?.length).toBeGreaterThan(0);
  });
});
