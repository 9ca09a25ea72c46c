import type { InstanceRecord } from './ec2/model';

export interface BannerFacts {
  readonly createAmiUrl: string;
  readonly awsEndpoint: string;
  readonly region: string;
  readonly eventBusName: string;
  readonly watcherArn: string;
  readonly webhooks: string;
  readonly stateDir: string;
  /** The EC2 world as it is now, whose running named instances the examples use. */
  readonly instances: readonly Pick<InstanceRecord, 'state' | 'tags'>[];
}

/** Names of running instances, oldest first as EC2 keeps them, each once. */
export function runningInstanceNames(
  instances: readonly Pick<InstanceRecord, 'state' | 'tags'>[],
): string[] {
  const names = instances
    .filter((instance) => instance.state === 'running')
    .map((instance) => instance.tags.Name)
    .filter((name): name is string => typeof name === 'string' && name !== '');
  return [...new Set(names)];
}

/** Single-quoted for a POSIX shell, so a pasted command means what it shows. */
function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * What `npm start` prints once everything listens: where things are, and commands that work when
 * pasted, with this run's URLs and names (the fixture's own instances, not the default ones).
 */
export function startBanner(facts: BannerFacts): string {
  const names = runningInstanceNames(facts.instances).slice(0, 2);
  const body = JSON.stringify({ instance_name_list: names });
  const awsEnv = 'AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local';
  const awsTail = `--endpoint-url ${facts.awsEndpoint} --region ${facts.region}`;
  const request =
    names.length > 0
      ? `  curl -s -X POST ${facts.createAmiUrl} \\
    -H 'content-type: application/json' \\
    -d ${shellQuote(body)}`
      : `  (no running instance has a Name tag: give one a "name" in the fixture to request AMIs)`;
  return `
ami-lifecycle is running locally.

  API          POST ${facts.createAmiUrl}
  AWS endpoint ${facts.awsEndpoint}  (EC2, EventBridge, Step Functions; region ${facts.region})
  Event bus    ${facts.eventBusName}
  Watcher      ${facts.watcherArn}
               woken by EC2 AMI State Change events on the default bus
  Webhooks     ${facts.webhooks}
  State        ${facts.stateDir}/  (events.jsonl, dead-letters.jsonl, logs/)

Try:
${request}

  ${awsEnv} aws ec2 describe-images --owners self \\
    ${awsTail}

  ${awsEnv} aws stepfunctions list-executions \\
    --state-machine-arn ${facts.watcherArn} \\
    ${awsTail}

Ctrl-C stops it; state is kept for the next start (--reset forgets it).
`;
}
