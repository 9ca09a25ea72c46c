// `npm start`: the whole system on this machine, no AWS account needed.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBanner } from './banner';
import { parseCommandLine, USAGE } from './command-line';
import { Ec2FixtureError } from './ec2';
import { parseEc2Fixture } from './ec2/fixture';
import { formatTimelineEntry } from './timeline';

const commandLine = parseCommandLine(process.argv.slice(2));
if (commandLine.kind === 'help') {
  console.log(USAGE);
  process.exit(0);
}
if (commandLine.kind === 'mistake') {
  console.error(`${commandLine.message}\n\n${USAGE}`);
  process.exit(2);
}
const { values } = commandLine;

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
  const parsed = parseEc2Fixture(json);
  if (!parsed.success) {
    console.error(
      `${path} is not a valid EC2 fixture (see infra/local/ec2/README.md):\n${parsed.problems
        .map((problem) => `  ${problem}`)
        .join('\n')}`,
    );
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
// Every option and the fixture are checked before the cloud's modules load: those (the AWS SDK
// among them) are most of a start's time, and a mistake is answered without them.
const options = {
  reset: values.reset,
  apiPort: number('api-port', values['api-port'], 0),
  awsPort: number('aws-port', values['aws-port'], 0),
  stateDir: values['state-dir'],
  bakeMs: number('bake-seconds', values['bake-seconds'], 0) * 1000,
  waitScale: number('poll-seconds', values['poll-seconds'], 0.1) / 60,
  subscribers: values.subscribe,
  functionEnvironments: Math.floor(
    number('function-environments', values['function-environments'], 1),
  ),
  ...(values.fixture ? { fixture: readFixture(values.fixture) } : {}),
  throttling: values['no-throttling']
    ? (false as const)
    : { rateScale: number('rate-scale', values['rate-scale'], 0.001) },
  ...(webhookUrl
    ? { webhook: { url: webhookUrl, format: process.env.WEBHOOK_FORMAT ?? 'jandi' } }
    : {}),
};
console.log('starting the local cloud…');
const { startLocalCloud } = await import('./cloud');
const cloud = await startLocalCloud({
  ...options,
  timeline: (entry) => console.log(formatTimelineEntry({ ...entry, at: new Date() }, colour)),
}).catch((error: NodeJS.ErrnoException) => {
  // A taken port is the usual first-run problem: say which option moves it.
  if (error.code === 'EADDRINUSE') {
    console.error(`${error.message}: pass --api-port or --aws-port to use other ports`);
    process.exit(2);
  }
  // The fixture against saved state (e.g. an id already there): the user's to fix, not a crash.
  if (error instanceof Ec2FixtureError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
});

console.log(
  startBanner({
    createAmiUrl: cloud.createAmiUrl,
    awsEndpoint: cloud.awsEndpoint,
    region: cloud.region,
    eventBusName: cloud.eventBusName,
    watcherArn: cloud.template.stateMachine.arn,
    webhooks: cloud.sink
      ? `${cloud.sink.url} (built-in sink; GET it to list them)`
      : String(webhookUrl),
    stateDir: values['state-dir'],
    instances: cloud.ec2.state.instances,
  }),
);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    console.log('\nstopping…');
    void cloud.stop().then(() => process.exit(0));
  });
}
