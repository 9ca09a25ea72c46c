import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { defaultFixture } from '../../infra/local/default-fixture';
import { type LocalDynamoDb, startLocalDynamoDb } from '../../infra/local/dynamodb/local-dynamodb';
import { createEc2Service, type Ec2Service } from '../../infra/local/ec2';
import { type LocalEndpoint, startLocalEndpoint } from '../../infra/local/endpoint';
import { createEventBus, type EventBus } from '../../infra/local/events/bus';
import { createEventsService } from '../../infra/local/events/service';
import { LocalFunction } from '../../infra/local/functions/local-function';
import { createSfnService } from '../../infra/local/sfn/service';
import { createStepFunctions, type StepFunctions } from '../../infra/local/sfn/step-functions';
import { parseSettings } from '../../infra/settings';
import { AmiLifecycleStack } from '../../infra/stack';
import { TEMPLATE_METADATA } from '../../infra/template-metadata';
import { JOURNAL_KEYS } from '../../services/janitor/deletion-journal';
import { ledgerTableSpec } from '../../services/shared/ledger-tables.test-support';
import { temporaryFolder } from '../tools';
import { propertyOf, resourcesWithMetadata, templateJson } from './template';

const ACCOUNT = '123456789012';
const WATCHER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:watcher`;
const ANNOUNCER_ARN = `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:announcer`;
const JOURNAL = 'purge-journal';
const LEDGER = 'request-ledger';

describe('function bundles', () => {
  const outdir = temporaryFolder('bundles');
  const bundles = new Map<string, string>();
  let ec2: Ec2Service;
  let bus: EventBus;
  let stepFunctions: StepFunctions;
  let endpoint: LocalEndpoint;
  let dynamodb: LocalDynamoDb;
  const started: LocalFunction[] = [];

  beforeAll(async () => {
    const app = new App({ outdir });
    const stack = new AmiLifecycleStack(app, 'AmiLifecycle', { settings: parseSettings({}) });
    app.synth();
    const functions = resourcesWithMetadata(
      templateJson(Template.fromStack(stack)),
      'AWS::Lambda::Function',
      TEMPLATE_METADATA.service,
    );
    for (const [, fn] of functions) {
      // The code's S3 key is the asset hash; the cloud assembly keeps the bundle beside it.
      const key = propertyOf<{ S3Key: string }>(fn, 'Code').S3Key;
      const service = String(fn.Metadata?.[TEMPLATE_METADATA.service]);
      bundles.set(service, join(outdir, `asset.${key.replace(/\.zip$/, '')}`, 'index.mjs'));
    }

    // The bundles' AWS calls are answered by the local cloud's emulation, over HTTP.
    ec2 = createEc2Service({ accountId: ACCOUNT, fixture: defaultFixture(new Date()) });
    bus = createEventBus({ account: ACCOUNT, busNames: ['bus'] });
    stepFunctions = createStepFunctions({ taskHandlers: {} });
    for (const [arn, name] of [
      [WATCHER_ARN, 'watcher'],
      [ANNOUNCER_ARN, 'announcer'],
    ] as const) {
      stepFunctions.registerStateMachine({
        arn,
        name,
        definition: { StartAt: 'Done', States: { Done: { Type: 'Pass', End: true } } } as never,
      });
    }
    dynamodb = await startLocalDynamoDb({
      region: 'us-east-1',
      tables: [
        {
          logicalId: 'Journal',
          name: JOURNAL,
          partitionKey: { name: JOURNAL_KEYS.partition, type: 'S' },
          sortKey: { name: JOURNAL_KEYS.sort, type: 'S' },
          globalSecondaryIndexes: [],
        },
        ledgerTableSpec(LEDGER),
      ],
    });
    endpoint = await startLocalEndpoint({
      port: 0,
      services: {
        ec2,
        events: createEventsService(bus),
        sfn: createSfnService(stepFunctions),
        dynamodb: dynamodb.service,
      },
    });
  }, 180_000);

  afterAll(async () => {
    await Promise.all(started.map((fn) => fn.close()));
    await endpoint?.close();
    await dynamodb?.close();
    await stepFunctions?.close();
    await bus?.close();
  });

  /** Runs a bundle as Lambda would: its own environment, a fresh module, a context. */
  function deployed(service: string, environment: Record<string, string>): LocalFunction {
    const fn = new LocalFunction({
      functionName: service,
      entry: bundles.get(service) ?? '',
      environment: {
        AWS_ENDPOINT_URL: endpoint.url,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'bundle-test',
        AWS_SECRET_ACCESS_KEY: 'bundle-test',
        ...environment,
      },
      timeoutSeconds: 60,
    });
    started.push(fn);
    return fn;
  }

  it('should bundle each handler into minified ESM with a source map and a working require', () => {
    expect([...bundles.keys()].sort()).toEqual(['api', 'creator', 'janitor', 'notifier']);
    for (const bundle of bundles.values()) {
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const code = readFileSync(bundle, 'utf8');
      expect(
        code.startsWith("import { createRequire as __createRequire } from 'node:module';"),
      ).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*handler/);
      // Only the environment link of the SDK's credential chain, as Lambda provides credentials.
      const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as {
        sources: string[];
      };
      expect(
        sources.some((source) => source.includes('services/shared/lambda-credentials.ts')),
      ).toBe(true);
      expect(
        sources.filter((source) => /credential-provider-(node|ini|sso|process)\//.test(source)),
      ).toEqual([]);
    }
  });

  it("should pass CDK's built-in template validation, which the other synthesizing tests skip", () => {
    // Written by the validation step itself: its absence means the step did not run.
    const report = JSON.parse(readFileSync(join(outdir, 'validation-report.json'), 'utf8')) as {
      pluginReports: {
        pluginName: string;
        violations?: { ruleName: string; description: string }[];
      }[];
    };

    const violations = report.pluginReports.flatMap(({ pluginName, violations = [] }) =>
      violations.map(
        (violation) => `${pluginName} ${violation.ruleName}: ${violation.description}`,
      ),
    );

    expect(violations).toEqual([]);
  });

  it("should keep only the EC2 schemas the functions reach, not all of EC2's", () => {
    // With every EC2 schema the creator weighed about 850 KB; the janitor also carries the
    // DynamoDB, Step Functions and SSM clients of its purge runs.
    expect(statSync(bundles.get('creator') ?? '').size).toBeLessThan(450 * 1024);
    expect(statSync(bundles.get('janitor') ?? '').size).toBeLessThan(600 * 1024);
  });

  it('should make AMIs with the creator bundle exactly as the source does', async () => {
    // Act
    const result = await deployed('creator', {
      EVENT_BUS_NAME: 'bus',
      LEDGER_TABLE_NAME: LEDGER,
      STATE_MACHINE_ARN: WATCHER_ARN,
      ANNOUNCER_STATE_MACHINE_ARN: ANNOUNCER_ARN,
    }).invoke({
      version: '0',
      id: '7c9a1a1e-0000-4000-8000-000000000001',
      'detail-type': AmiRequestedV1.detailType,
      source: 'bundle.test',
      account: ACCOUNT,
      time: '2025-06-05T12:00:00Z',
      region: 'us-east-1',
      resources: [],
      detail: {
        metadata: { schemaVersion: 1, requestId: 'bundle-creator-1' },
        data: { instanceNames: ['service-api', 'no-such-name'] },
      },
    });

    // Assess
    expect(result).toMatchObject({
      created: [{ instanceName: 'service-api', reused: false }],
      failed: [{ instanceName: 'no-such-name', reason: 'instance-not-found' }],
    });
    const image = ec2.state.images.find(
      (candidate) => candidate.tags['ami-lifecycle:request-id'] === 'bundle-creator-1',
    );
    expect(image?.tags).toMatchObject({
      Reason: 'Deploy',
      'ami-lifecycle:instance-name': 'service-api',
    });
    expect(bus.events().map((event) => event['detail-type'])).toEqual(['AmiCreated']);
    // The failed name went to the announcer, which publishes its AmiFailed.
    const announced = stepFunctions.listExecutions({ stateMachineArn: ANNOUNCER_ARN }).executions;
    expect(announced.map((execution) => JSON.parse(execution.input ?? '{}'))).toMatchObject([
      { detail: { data: { instanceName: 'no-such-name', reason: 'instance-not-found' } } },
    ]);
  });

  it('should run a purge with the janitor bundle, reading per-snapshot results', async () => {
    // Act: the purge run's steps, as its state machine invokes them.
    const janitor = deployed('janitor', {
      EVENT_BUS_NAME: 'bus',
      JOURNAL_TABLE_NAME: JOURNAL,
      PURGE_RUN_STATE_MACHINE_ARN: `arn:aws:states:us-east-1:${ACCOUNT}:stateMachine:purge-run`,
    });
    const step = (body: Record<string, unknown>) => janitor.invoke({ purgeRun: body });
    const { run } = (await step({
      step: 'begin',
      runId: 'bundle-sweep-1',
      startedAt: new Date().toISOString(),
      request: { trigger: 'schedule', requestId: 'bundle-sweep-1' },
    })) as { run: unknown };
    const batch = (await step({ step: 'batch', run })) as { done: boolean };
    await step({ step: 'end', runId: 'bundle-sweep-1' });

    // Assess
    expect(batch.done).toBe(true);
    const report = bus.events().find((event) => event['detail-type'] === 'AmiPurged');
    expect(report).toBeDefined();
    const { purged } = (report?.detail.data ?? { purged: [] }) as {
      purged: { imageId: string; snapshots: unknown[] }[];
    };
    expect(purged.map((image) => image.imageId).sort()).toEqual([
      'ami-0a0000000000000a1',
      'ami-0a0000000000000a2',
      'ami-0a0000000000000a7',
      'ami-0b0000000000000b1',
    ]);
    for (const image of purged) {
      expect(image.snapshots).toEqual([
        { snapshotId: expect.stringMatching(/^snap-/), result: 'success' },
      ]);
    }
  });
}, 240_000);
