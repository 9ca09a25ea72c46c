import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { closeDraining, limitSlowClients } from './http-server-lifecycle';
import type { LocalRequest, LocalResponse, LocalService } from './protocol';

export interface LocalEndpointOptions {
  /** 0 picks a free port. Default 4566. */
  readonly port?: number;
  /** Default 127.0.0.1: the local cloud never listens beyond loopback unless told to. */
  readonly host?: string;
  readonly services: {
    readonly ec2?: LocalService;
    readonly events?: LocalService;
    readonly sfn?: LocalService;
    /** Systems Manager Parameter Store (`AmazonSSM.*`, JSON 1.1). */
    readonly ssm?: LocalService;
    readonly dynamodb?: LocalService;
    /** SQS over its JSON protocol (`AmazonSQS.*`, JSON 1.0). */
    readonly sqs?: LocalService;
    /** The local cloud's own inspection API, under `/_local/` (events, dead letters, webhooks). */
    readonly local?: LocalService;
  };
}

export interface LocalEndpoint {
  readonly url: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * One loopback endpoint for every emulated AWS service, reached by unchanged SDK clients through
 * `AWS_ENDPOINT_URL` and by the `aws` CLI through `--endpoint-url`. Requests are routed by wire
 * protocol: `X-Amz-Target: AWSEvents.*` (JSON 1.1), `AWSStepFunctions.*` (JSON 1.0), and EC2's
 * form-encoded Query protocol (`Action=...`). Signatures are accepted unchecked: the endpoint is
 * local and credentials are dummies.
 */
const CLOSE_GRACE_MS = 2_000;

export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const server = createServer((incoming, outgoing) => {
    const send = (response: LocalResponse) => {
      outgoing.writeHead(response.statusCode, {
        ...response.headers,
        'content-length': Buffer.byteLength(response.body),
      });
      outgoing.end(response.body);
    };
    void readRequest(incoming)
      .then((request) => route(request, options.services))
      .catch((error: unknown) =>
        errorResponse(500, 'InternalFailure', String((error as Error)?.message ?? error)),
      )
      .then(send)
      .catch((error: unknown) => {
        // An answer HTTP cannot carry (e.g. a line break in a header): InternalFailure instead or,
        // once part of it is sent, a closed connection. Never a rejection that ends the process.
        try {
          send(errorResponse(500, 'InternalFailure', `unwritable response: ${String(error)}`));
        } catch {
          outgoing.destroy();
        }
      });
  });
  limitSlowClients(server);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4566, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    // Closed last in a stop: requests under way (a function's last calls) get a moment to finish.
    close: () => closeDraining(server, CLOSE_GRACE_MS),
  };
}

async function readRequest(incoming: IncomingMessage): Promise<LocalRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of incoming) chunks.push(chunk as Buffer);
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(incoming.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return {
    method: incoming.method ?? 'GET',
    path: incoming.url ?? '/',
    headers,
    body: Buffer.concat(chunks).toString('utf8'),
  };
}

const TARGET_PREFIXES = [
  ['AWSEvents.', 'events', 'EventBridge'],
  ['AWSStepFunctions.', 'sfn', 'Step Functions'],
  ['AmazonSSM.', 'ssm', 'Systems Manager'],
  ['DynamoDB_20120810.', 'dynamodb', 'DynamoDB'],
  ['AmazonSQS.', 'sqs', 'SQS'],
] as const;

function route(
  request: LocalRequest,
  services: LocalEndpointOptions['services'],
): Promise<LocalResponse> | LocalResponse {
  if (services.local && request.path.startsWith('/_local/')) return services.local.handle(request);
  const target = request.headers['x-amz-target'];
  if (target) {
    for (const [prefix, key, label] of TARGET_PREFIXES) {
      if (!target.startsWith(prefix)) continue;
      const service = services[key];
      return service
        ? service.handle(request)
        : errorResponse(
            400,
            'UnknownOperationException',
            `${label} is not served by this endpoint`,
          );
    }
    return errorResponse(
      400,
      'UnknownOperationException',
      `No local service answers X-Amz-Target ${target}`,
    );
  }
  if (isQueryAction(request)) {
    return services.ec2
      ? services.ec2.handle(request)
      : errorResponse(400, 'UnknownOperationException', 'EC2 is not served by this endpoint');
  }
  return errorResponse(
    400,
    'UnknownOperationException',
    'Unrecognised request: expected an X-Amz-Target header (AWSEvents.*, AWSStepFunctions.*) or a form-encoded Action (EC2)',
  );
}

/** EC2's Query protocol names the action in a form-encoded body, or in the query string of a GET. */
function isQueryAction(request: LocalRequest): boolean {
  const query = request.path.includes('?') ? request.path.slice(request.path.indexOf('?') + 1) : '';
  const contentType = request.headers['content-type'] ?? '';
  const form = contentType.startsWith('application/x-www-form-urlencoded') ? request.body : '';
  return new URLSearchParams(form).has('Action') || new URLSearchParams(query).has('Action');
}

function errorResponse(statusCode: number, code: string, message: string): LocalResponse {
  return {
    statusCode,
    headers: { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() },
    body: JSON.stringify({ __type: code, message }),
  };
}
