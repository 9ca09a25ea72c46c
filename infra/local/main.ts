// `npm start`: the whole system on this machine, no AWS account needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describeIssues } from '../../events/issues';
import type * as z from '../../events/zod';
import { startLocalCloud } from './cloud';
import { ec2FixtureSchema } from './ec2';
import { formatTimelineEntry } from './timeline';

const USAGE = `Usage: npm start -- [options]

  --reset               forget saved state (.local/) and start from the fixture
  --fixture FILE        the EC2 world to start from (JSON, see infra/local/ec2/README.md)
  --api-port N          REST API port (default 3000)
  --aws-port N          AWS endpoint port: EC2, EventBridge, Step Functions (default 4566)
  --state-dir DIR       where state and logs are kept (default .local)
  --bake-seconds N      how long a new AMI stays pending (default 8)
  --poll-seconds N      the watcher's 60 s poll, locally (default 1)
  --subscribe URL       POST every AmiAvailable event (full EventBridge envelope) to URL; repeatable
  --no-throttling       turn EC2's token-bucket throttling off
  --rate-scale N        multiply EC2's bucket refill rates (default 1: AWS's own)
  --help

Environment: WEBHOOK_URL and WEBHOOK_FORMAT send notifications there instead of the built-in sink.`;

const { values } = parseArgs({
  options: {
    reset: { type: 'boolean', default: false },
    fixture: { type: 'string' },
    'api-port': { type: 'string', default: '3000' },
    'aws-port': { type: 'string', default: '4566' },
    'state-dir': { type: 'string', default: '.local' },
    'bake-seconds': { type: 'string', default: '8' },
    'poll-seconds': { type: 'string', default: '1' },
    subscribe: { type: 'string', multiple: true, default: [] },
    'no-throttling': { type: 'boolean', default: false },
    'rate-scale': { type: 'string', default: '1' },
    help: { type: 'boolean', default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

const number = (name: string, value: string, min: number): number => {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < min) {
    console.error(`--${name} must be a number of at least ${min}, got "${value}"\n\n${USAGE}`);
    process.exit(2);
  }
  return parsed;
};

function readFixture(path: string) {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    console.error(`${path}: not a readable JSON file (${(error as Error).message})`);
    process.exit(2);
  }
  const parsed = ec2FixtureSchema.safeParse(json);
  if (!parsed.success) {
    console.error(`${path}: ${describeIssues(parsed.error as z.core.$ZodError)}`);
    process.exit(2);
  }
  return parsed.data;
}

// A fixture describes where to start; saved state would silently win over it.
if (values.fixture && !values.reset && existsSync(join(values['state-dir'], 'ec2.json'))) {
  console.error(
    `${values['state-dir']}/ holds saved state; add --reset to start from ${values.fixture} instead`,
  );
  process.exit(2);
}

const webhookUrl = process.env.WEBHOOK_URL;
const colour = process.stdout.isTTY;
const cloud = await startLocalCloud({
  reset: values.reset,
  apiPort: number('api-port', values['api-port'], 0),
  awsPort: number('aws-port', values['aws-port'], 0),
  stateDir: values['state-dir'],
  bakeMs: number('bake-seconds', values['bake-seconds'], 0) * 1000,
  waitScale: number('poll-seconds', values['poll-seconds'], 0.1) / 60,
  subscribers: values.subscribe,
  ...(values.fixture ? { fixture: readFixture(values.fixture) } : {}),
  throttling: values['no-throttling']
    ? false
    : { rateScale: number('rate-scale', values['rate-scale'], 0.001) },
  ...(webhookUrl
    ? { webhook: { url: webhookUrl, format: process.env.WEBHOOK_FORMAT ?? 'jandi' } }
    : {}),
  timeline: (entry) => console.log(formatTimelineEntry({ ...entry, at: new Date() }, colour)),
}).catch((error: NodeJS.ErrnoException) => {
  // A taken port is the usual first-run problem: say which option moves it.
  if (error.code === 'EADDRINUSE') {
    console.error(`${error.message}: pass --api-port or --aws-port to use other ports`);
    process.exit(2);
  }
  throw error;
});

console.log(`
ami-lifecycle is running locally.

  API          POST ${cloud.createAmiUrl}
  AWS endpoint ${cloud.awsEndpoint}  (EC2, EventBridge, Step Functions; region ${cloud.region})
  Event bus    ${cloud.eventBusName}
  Watcher      ${cloud.template.stateMachine.arn}
               woken by EC2 AMI State Change events on the default bus
  Webhooks     ${cloud.sink ? `${cloud.sink.url} (built-in sink; GET it to list them)` : webhookUrl}
  State        ${values['state-dir']}/  (events.jsonl, dead-letters.jsonl, logs/)

Try:
  curl -s -X POST ${cloud.createAmiUrl} \\
    -H 'content-type: application/json' \\
    -d '{"instance_name_list": ["service-api", "service-worker"]}'

  AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local aws ec2 describe-images --owners self \\
    --endpoint-url ${cloud.awsEndpoint} --region ${cloud.region}

Ctrl-C stops it; state is kept for the next start (--reset forgets it).
`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    void cloud.stop().then(() => process.exit(0));
  });
}
