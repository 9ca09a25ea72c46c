import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AmiAvailableV1 } from '../events/ami-available.v1';
import { DEPLOY_REASON, TAG } from '../services/shared/tags';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './synthesized-app';

/**
 * A loopback stand-in for the AWS APIs the functions call on a first invocation, answering each
 * with a minimal valid response, plus a webhook sink. It does no bookkeeping beyond counting calls,
 * so its own cost stays small and equal for a function and its references; the faithful emulator
 * is the local cloud's business (infra/local).
 */
export interface LocalAws {
  /** For `AWS_ENDPOINT_URL`. */
  readonly url: string;
  /** Accepts any POST with 200, like a healthy webhook receiver. */
  readonly webhookUrl: string;
  /** The calls answered since the last `takeCalls()`, e.g. `ec2:CreateImage`, `webhook`. */
  takeCalls(): string[];
  close(): Promise<void>;
}

const EC2_NAMESPACE = 'http://ec2.amazonaws.com/doc/2016-11-15/';
const INSTANCE_ID = 'i-0123456789abcdef0';
const IMAGE_ID = 'ami-0fedcba9876543210';
const WEBHOOK_PATH = '/webhook';

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

export async function startLocalAws(): Promise<LocalAws> {
  let calls: string[] = [];
  let webhookUrl = '';
  const server = createServer((request, response) => {
    void readBody(request).then((body) => {
      const target = request.headers['x-amz-target'];
      let answer: Answer;
      if (request.url === WEBHOOK_PATH) {
        calls.push('webhook');
        answer = { status: 200, contentType: 'text/plain', body: 'ok' };
      } else if (typeof target === 'string') {
        calls.push(target);
        answer = jsonAnswer(target, body, webhookUrl);
      } else {
        const form = new URLSearchParams(body);
        calls.push(`ec2:${form.get('Action')}`);
        answer = ec2Answer(form);
      }
      send(response, answer);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  webhookUrl = `${url}${WEBHOOK_PATH}`;
  return {
    url,
    webhookUrl,
    takeCalls: () => {
      const taken = calls;
      calls = [];
      return taken;
    },
    close: () =>
      new Promise((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      }),
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function send(response: ServerResponse, answer: Answer): void {
  response.writeHead(answer.status, {
    'content-type': answer.contentType,
    'content-length': Buffer.byteLength(answer.body),
    'x-amzn-requestid': randomUUID(),
  });
  response.end(answer.body);
}

/**
 * EventBridge (JSON 1.1), Step Functions (JSON 1.0), Secrets Manager (JSON 1.1) and the request
 * ledger's and the notifier's delivery records (DynamoDB, JSON 1.0): nothing recorded before, every
 * write accepted.
 */
function jsonAnswer(target: string, body: string, webhookUrl: string): Answer {
  const input = JSON.parse(body || '{}') as Record<string, unknown>;
  const json = (version: string, value: unknown, status = 200): Answer => ({
    status,
    contentType: `application/x-amz-json-${version}`,
    body: JSON.stringify(value),
  });
  switch (target) {
    case 'AWSEvents.PutEvents': {
      const entries = Array.isArray(input.Entries) ? input.Entries : [];
      return json('1.1', {
        FailedEntryCount: 0,
        Entries: entries.map(() => ({ EventId: randomUUID() })),
      });
    }
    case 'AWSStepFunctions.StartExecution': {
      const machine = String(input.stateMachineArn);
      const executionArn = `${machine.replace(':stateMachine:', ':execution:')}:${String(input.name ?? randomUUID())}`;
      return json('1.0', { executionArn, startDate: Date.now() / 1000 });
    }
    case 'DynamoDB_20120810.GetItem':
    case 'DynamoDB_20120810.UpdateItem':
    case 'DynamoDB_20120810.PutItem':
    case 'DynamoDB_20120810.DeleteItem':
      return json('1.0', {});
    case 'DynamoDB_20120810.Query':
      return json('1.0', { Items: [], Count: 0, ScannedCount: 0 });
    case 'secretsmanager.GetSecretValue': {
      const arn = String(input.SecretId);
      return json('1.1', {
        ARN: arn,
        Name: arn.split(':').at(-1),
        VersionId: randomUUID(),
        VersionStages: ['AWSCURRENT'],
        SecretString: JSON.stringify([{ url: webhookUrl, format: 'jandi' }]),
        CreatedDate: Date.now() / 1000,
      });
    }
    default:
      return json(
        '1.1',
        { __type: 'UnknownOperationException', message: `not answered locally: ${target}` },
        400,
      );
  }
}

/** EC2's Query protocol: a form-encoded request, an XML answer. */
function ec2Answer(form: URLSearchParams): Answer {
  const action = form.get('Action') ?? '';
  const xml = (inner: string, status = 200): Answer => ({
    status,
    contentType: 'text/xml;charset=UTF-8',
    body:
      status === 200
        ? `<?xml version="1.0" encoding="UTF-8"?><${action}Response xmlns="${EC2_NAMESPACE}"><requestId>${randomUUID()}</requestId>${inner}</${action}Response>`
        : `<?xml version="1.0" encoding="UTF-8"?><Response><Errors><Error>${inner}</Error></Errors><RequestID>${randomUUID()}</RequestID></Response>`,
  });
  switch (action) {
    case 'DescribeInstances':
      return xml(
        `<reservationSet><item><reservationId>r-0123456789abcdef0</reservationId><ownerId>${LOCAL_ACCOUNT}</ownerId><instancesSet><item><instanceId>${INSTANCE_ID}</instanceId><instanceState><code>16</code><name>running</name></instanceState><launchTime>2025-01-06T09:00:00.000Z</launchTime><placement><availabilityZone>${LOCAL_REGION}a</availabilityZone></placement><tagSet><item><key>Name</key><value>${escapeXml(filterValue(form, 'tag:Name') ?? 'service-api')}</value></item></tagSet></item></instancesSet></item></reservationSet>`,
      );
    case 'DescribeImages': {
      // Asked by id: the image an AmiAvailable claims (the notifier checks it), a Deploy image of
      // the example's instance. Asked by filters (the creator, the janitor): none.
      const imageId = form.get('ImageId.1');
      return xml(
        imageId === null ? '<imagesSet/>' : `<imagesSet>${deployImage(imageId)}</imagesSet>`,
      );
    }
    case 'DescribeLaunchTemplateVersions':
      return xml('<launchTemplateVersionSet/>');
    case 'CreateImage':
      return xml(`<imageId>${IMAGE_ID}</imageId>`);
    default:
      return xml(
        `<Code>InvalidAction</Code><Message>not answered locally: ${escapeXml(action)}</Message>`,
        400,
      );
  }
}

function deployImage(imageId: string): string {
  const tags = [
    [TAG.reason, DEPLOY_REASON],
    [TAG.instanceName, AmiAvailableV1.examples[0]?.data.instanceName ?? ''],
  ]
    .map(([key, value]) => `<item><key>${key}</key><value>${escapeXml(value ?? '')}</value></item>`)
    .join('');
  return `<item><imageId>${escapeXml(imageId)}</imageId><imageState>available</imageState><imageOwnerId>${LOCAL_ACCOUNT}</imageOwnerId><tagSet>${tags}</tagSet></item>`;
}

/** The first value of the request's filter `name` (`Filter.N.Name` / `Filter.N.Value.1`). */
function filterValue(form: URLSearchParams, name: string): string | undefined {
  for (const [key, value] of form) {
    const match = /^Filter\.(\d+)\.Name$/.exec(key);
    if (match && value === name) return form.get(`Filter.${match[1]}.Value.1`) ?? undefined;
  }
  return undefined;
}

function escapeXml(text: string): string {
  return text.replace(
    /[<>&'"]/g,
    (character) =>
      ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[character] ??
      character,
  );
}
