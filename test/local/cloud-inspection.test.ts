import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import {
  DescribeRuleCommand,
  ListEventBusesCommand,
  ListRulesCommand,
} from '@aws-sdk/client-eventbridge';
import {
  DescribeStateMachineCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  ListStateMachinesCommand,
} from '@aws-sdk/client-sfn';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WATCHER_MAP_LABEL } from '../../infra/watcher/definition';
import { eventually, startTestCloud } from '../e2e/local-cloud-client';
import { awsCliV2 } from '../tools';

const run = promisify(execFile);
let system: Awaited<ReturnType<typeof startTestCloud>>;

beforeAll(async () => {
  system = await startTestCloud();
}, 120_000);

afterAll(async () => {
  await system?.stop();
});

/** The template's rules on a bus, as the local cloud must list them: no more, no fewer. */
function templateRuleNames(eventBusName: string | undefined): string[] {
  return system.cloud.template.rules
    .filter((rule) => rule.eventBusName === eventBusName)
    .map((rule) => rule.name)
    .sort();
}

describe('the local cloud, inspected as AWS would be', () => {
  it("should list the template's rules on each bus, and none of the local cloud's own", async () => {
    // Act
    const { EventBuses = [] } = await system.eventBridge.send(new ListEventBusesCommand({}));
    const custom = await system.eventBridge.send(
      new ListRulesCommand({ EventBusName: system.cloud.eventBusName }),
    );
    const defaultBus = await system.eventBridge.send(new ListRulesCommand({}));

    // Assess: the test cloud's --subscribe rule is the one rule the user asked for on top
    expect(EventBuses.map((bus) => bus.Name).sort()).toEqual(
      [system.cloud.eventBusName, 'default'].sort(),
    );
    expect(custom.Rules?.map((rule) => rule.Name).sort()).toEqual(
      [...templateRuleNames(system.cloud.eventBusName), 'local-subscriber-1'].sort(),
    );
    expect(defaultBus.Rules?.map((rule) => rule.Name).sort()).toEqual(templateRuleNames(undefined));
  });

  it('should describe the daily sweep by its schedule expression', async () => {
    const scheduled = system.cloud.template.rules.filter((rule) => rule.scheduleExpression);
    expect(scheduled.length).toBeGreaterThan(0);

    for (const rule of scheduled) {
      const described = await system.eventBridge.send(new DescribeRuleCommand({ Name: rule.name }));
      expect(described.ScheduleExpression).toBe(rule.scheduleExpression);
      expect(described.EventPattern).toBeUndefined();
    }
  });

  it("should list and describe the template's state machines with their synthesized definitions", async () => {
    const { stateMachines = [] } = await system.sfn.send(new ListStateMachinesCommand({}));
    const watcher = system.cloud.template.stateMachine;
    const described = await system.sfn.send(
      new DescribeStateMachineCommand({ stateMachineArn: watcher.arn }),
    );

    expect(stateMachines.map((machine) => machine.stateMachineArn).sort()).toEqual(
      system.cloud.template.stateMachines.map((machine) => machine.arn).sort(),
    );
    expect(JSON.parse(described.definition ?? '')).toEqual(watcher.definition);
    expect(described.roleArn).toBe(watcher.roleArn);
    expect(described.roleArn).toMatch(/^arn:aws:iam::\d{12}:role\//);
    expect(described).toMatchObject({ status: 'ACTIVE', type: 'STANDARD' });
  });

  it("should give a request's watcher history, its Map Run and each AMI's child execution", async () => {
    // Prepare
    const response = await system.createAmi({ instance_name_list: ['service-api'] });
    expect(response.status).toBe(202);
    await system.cloud.whenIdle();
    const watcherArn = system.cloud.template.stateMachine.arn;
    const { executions = [] } = await system.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: watcherArn }),
    );
    const executionArn = executions[0]?.executionArn;

    // Act
    const { events = [] } = await system.sfn.send(new GetExecutionHistoryCommand({ executionArn }));
    const mapRunArn = events.find((event) => event.type === 'MapRunStarted')
      ?.mapRunStartedEventDetails?.mapRunArn;
    const children = await eventually(async () => {
      const listed = await system.sfn.send(new ListExecutionsCommand({ mapRunArn }));
      return listed.executions?.length ? listed.executions : undefined;
    }, 'the Map Run to list its child execution');
    const { events: childEvents = [] } = await system.sfn.send(
      new GetExecutionHistoryCommand({ executionArn: children[0]?.executionArn }),
    );

    // Assess
    expect(events[0]?.type).toBe('ExecutionStarted');
    expect(events.at(-1)?.type).toBe('ExecutionSucceeded');
    expect(mapRunArn).toContain(':mapRun:');
    expect(children.map((child) => child.status)).toEqual(['SUCCEEDED']);
    const childTypes = childEvents.map((event) => event.type);
    expect(childTypes[0]).toBe('ExecutionStarted');
    expect(childTypes).toContain('TaskStateEntered');
    expect(childTypes).toContain('TaskSucceeded');
    expect(childTypes.at(-1)).toBe('ExecutionSucceeded');
  });

  it('should answer a GET of create-ami as the deployed API does: 403, the method is not defined', async () => {
    const response = await fetch(system.cloud.createAmiUrl);

    expect(response.status).toBe(403);
    expect(await response.json()).toEqual({ message: 'Missing Authentication Token' });
  });
});

const cli = await awsCliV2();
if ('missing' in cli) console.warn(`skipping the aws CLI inspection tests: ${cli.missing}`);

describe('the local cloud, inspected with the aws CLI v2', () => {
  const aws = async (...args: string[]) => {
    if (!('path' in cli)) throw new Error(cli.missing);
    const { stdout } = await run(
      cli.path,
      [
        ...args,
        '--endpoint-url',
        system.cloud.awsEndpoint,
        '--region',
        system.cloud.region,
        '--output',
        'json',
      ],
      {
        env: {
          ...process.env,
          AWS_ACCESS_KEY_ID: 'local',
          AWS_SECRET_ACCESS_KEY: 'local',
          AWS_MAX_ATTEMPTS: '1',
          AWS_PAGER: '',
        },
      },
    );
    return JSON.parse(stdout);
  };

  it('should describe the watcher and list the buses and rules', async (context) => {
    if ('missing' in cli) context.skip(cli.missing);
    const watcher = system.cloud.template.stateMachine;

    const [sweep] = system.cloud.template.rules.filter((rule) => rule.scheduleExpression);

    // Read-only calls, each its own process: all at once.
    const [described, { stateMachines }, buses, rules, sweepRule] = await Promise.all([
      aws('stepfunctions', 'describe-state-machine', '--state-machine-arn', watcher.arn),
      aws('stepfunctions', 'list-state-machines'),
      aws('events', 'list-event-buses'),
      aws('events', 'list-rules'),
      aws('events', 'describe-rule', '--name', sweep?.name ?? ''),
    ]);

    expect(stateMachines.map((machine: { name: string }) => machine.name)).toContain(watcher.name);
    expect(JSON.parse(described.definition)).toEqual(watcher.definition);
    expect(sweepRule.ScheduleExpression).toBe(sweep?.scheduleExpression);
    expect(sweepRule.EventPattern).toBeUndefined();
    expect(buses.EventBuses.map((bus: { Name: string }) => bus.Name)).toContain('default');
    expect(rules.Rules.map((rule: { Name: string }) => rule.Name).sort()).toEqual(
      templateRuleNames(undefined),
    );
  });

  it('should test an event pattern, page an execution history, and list and describe its Map Run', async (context) => {
    if ('missing' in cli) context.skip(cli.missing);
    const event = {
      id: '1',
      account: system.cloud.accountId,
      source: 'ami-lifecycle.api',
      time: '2025-06-05T12:00:00Z',
      region: system.cloud.region,
      resources: [],
      'detail-type': 'AmiRequested',
      detail: {},
    };
    // The SDK finds the execution and its Map Run; the aws CLI is what is under test.
    const { executions = [] } = await system.sfn.send(
      new ListExecutionsCommand({ stateMachineArn: system.cloud.template.stateMachine.arn }),
    );
    const executionArn = executions[0]?.executionArn ?? '';
    const { events: fullHistory = [] } = await system.sfn.send(
      new GetExecutionHistoryCommand({ executionArn }),
    );
    const mapRunArn = fullHistory.find((item) => item.type === 'MapRunStarted')
      ?.mapRunStartedEventDetails?.mapRunArn;

    const [matched, history, mapRuns, mapRun, children] = await Promise.all([
      aws(
        'events',
        'test-event-pattern',
        '--event-pattern',
        JSON.stringify({ 'detail-type': ['AmiRequested'] }),
        '--event',
        JSON.stringify(event),
      ),
      aws(
        'stepfunctions',
        'get-execution-history',
        '--execution-arn',
        executionArn,
        '--reverse-order',
        '--max-items',
        '2',
      ),
      aws('stepfunctions', 'list-map-runs', '--execution-arn', executionArn),
      aws('stepfunctions', 'describe-map-run', '--map-run-arn', mapRunArn ?? ''),
      aws('stepfunctions', 'list-executions', '--map-run-arn', mapRunArn ?? ''),
    ]);

    expect(matched.Result).toBe(true);
    expect(mapRuns.mapRuns).toEqual([
      expect.objectContaining({
        executionArn,
        mapRunArn,
        stateMachineArn: `${system.cloud.template.stateMachine.arn}/${WATCHER_MAP_LABEL}`,
      }),
    ]);
    expect(mapRun).toMatchObject({
      mapRunArn,
      executionArn,
      status: 'SUCCEEDED',
      itemCounts: { succeeded: children.executions.length, total: children.executions.length },
    });
    expect(children.executions.length).toBeGreaterThan(0);
    expect(history.events.map((item: { type: string }) => item.type)[0]).toBe('ExecutionSucceeded');
    expect(history.events).toHaveLength(2);
  });
});
