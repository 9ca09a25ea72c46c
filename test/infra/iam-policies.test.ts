import { type EvaluationResult, runSimulation, type Simulation } from '@cloud-copilot/iam-simulate';
import { describe, expect, it } from 'vitest';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { SOURCES } from '../../events/contract';
import { DEPLOY_REASON, TAG } from '../../services/shared/tags';
import { deployedPolicies, type PolicyDocument } from './deployed-policies';
import { synthesize } from './synthesize';
import { TEST_ACCOUNT, TEST_REGION, templateJson } from './template';

// One synthesis for the file, with an outside publisher account so its Allow is in the policy too.
const PUBLISHER_ACCOUNT = '444455556666';
const policies = deployedPolicies(
  templateJson(synthesize({ publisherAccounts: [PUBLISHER_ACCOUNT] }).template),
);
const bus = policies.eventBus();

interface Request {
  /** The role (or user) ARN; requests are made by a session of it. */
  readonly principalArn: string;
  readonly action: string;
  readonly resource: string;
  readonly context?: Record<string, string | string[]>;
  readonly identityPolicies: Simulation['identityPolicies'];
  readonly resourcePolicy?: PolicyDocument;
}

/**
 * IAM's decision on one request. Invalid input or a context key the simulator ignores fails the
 * test, so that a denial can never come from a request that was not evaluated as written.
 */
async function decide(request: Request): Promise<EvaluationResult> {
  const account = request.principalArn.split(':')[4] ?? '';
  const role = /:role\/(.+)$/.exec(request.principalArn)?.[1];
  const result = await runSimulation(
    {
      request: {
        principal:
          role === undefined
            ? request.principalArn
            : `arn:aws:sts::${account}:assumed-role/${role}/session`,
        action: request.action,
        resource: { resource: request.resource, accountId: TEST_ACCOUNT },
        // The simulator does not derive aws:PrincipalArn from the principal: pass it, as IAM would.
        contextVariables: { 'aws:PrincipalArn': request.principalArn, ...request.context },
      },
      identityPolicies: request.identityPolicies,
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      resourcePolicy: request.resourcePolicy,
    },
    {},
  );
  if (result.resultType === 'error') throw new Error(JSON.stringify(result.errors));
  if (result.resultType !== 'single') throw new Error(`unexpected ${result.resultType} result`);
  expect(result.result.ignoredContextKeys ?? []).toEqual([]);
  return result.overallResult;
}

const image = `arn:aws:ec2:${TEST_REGION}::image/ami-0123456789abcdef0`;
const snapshot = `arn:aws:ec2:${TEST_REGION}::snapshot/snap-0123456789abcdef0`;
const deployTagged = { [`aws:ResourceTag/${TAG.reason}`]: DEPLOY_REASON };

describe('the janitor role', () => {
  const asJanitor = (action: string, resource: string, context: Record<string, string> = {}) =>
    decide({
      principalArn: policies.roleArn('janitor'),
      identityPolicies: policies.identityPolicies('janitor'),
      action,
      resource,
      context,
    });

  it.each([
    ['ec2:DeregisterImage', image],
    ['ec2:DeleteSnapshot', snapshot],
  ])('should be allowed %s on a resource tagged Reason=Deploy', async (action, resource) => {
    expect(await asJanitor(action, resource, deployTagged)).toBe('Allowed');
  });

  it.each([
    ['ec2:DeregisterImage', image],
    ['ec2:DeleteSnapshot', snapshot],
  ])('should be denied %s on a resource without the tag', async (action, resource) => {
    expect(await asJanitor(action, resource)).toBe('ImplicitlyDenied');
  });

  it.each([
    ['ec2:DeregisterImage', image],
    ['ec2:DeleteSnapshot', snapshot],
  ])('should be denied %s on a resource tagged for another reason', async (action, resource) => {
    expect(await asJanitor(action, resource, { [`aws:ResourceTag/${TAG.reason}`]: 'Golden' })).toBe(
      'ImplicitlyDenied',
    );
  });
});

describe('the creator role', () => {
  const asCreator = (resource: string, context: Record<string, string>) =>
    decide({
      principalArn: policies.roleArn('creator'),
      identityPolicies: policies.identityPolicies('creator'),
      action: 'ec2:CreateTags',
      resource,
      context,
    });

  it.each([
    ['an image', image],
    ['a snapshot', snapshot],
  ])('should be allowed to tag %s while creating an image', async (_what, resource) => {
    expect(await asCreator(resource, { 'ec2:CreateAction': 'CreateImage' })).toBe('Allowed');
  });

  it.each([
    ['on its own', {}],
    ['as part of another action', { 'ec2:CreateAction': 'CopyImage' }],
  ])('should be denied CreateTags %s', async (_how, context) => {
    expect(await asCreator(image, context)).toBe('ImplicitlyDenied');
  });
});

describe('PutEvents on the bus', () => {
  const allowPutEventsAnywhere = [
    {
      name: 'PutEventsAnywhere',
      policy: {
        Version: '2012-10-17',
        Statement: [{ Effect: 'Allow', Action: 'events:PutEvents', Resource: '*' }],
      },
    },
  ];
  const putEvents = (
    principalArn: string,
    identityPolicies: Request['identityPolicies'],
    sources: string[],
    detailType: string,
  ) =>
    decide({
      principalArn,
      identityPolicies,
      action: 'events:PutEvents',
      resource: bus.arn,
      // One value per entry of the request.
      context: { 'events:source': sources, 'events:detail-type': [detailType] },
      resourcePolicy: bus.policy,
    });
  const outsider = `arn:aws:iam::${TEST_ACCOUNT}:role/DeploySystem`;

  it.each(Object.entries(SOURCES))(
    'should allow the %s role to publish with its own source %s',
    async (service, source) => {
      const decision = await putEvents(
        policies.roleArn(service),
        policies.identityPolicies(service),
        [source],
        AmiAvailableV1.detailType,
      );

      expect(decision).toBe('Allowed');
    },
  );

  it.each([...Object.values(SOURCES), 'ami-lifecycle.not-yet-published'])(
    'should deny %s to a principal of this account allowed PutEvents on *',
    async (source) => {
      const decision = await putEvents(
        outsider,
        allowPutEventsAnywhere,
        [source],
        AmiAvailableV1.detailType,
      );

      expect(decision).toBe('ExplicitlyDenied');
    },
  );

  it('should deny a request in which only one entry uses our source', async () => {
    const decision = await putEvents(
      outsider,
      allowPutEventsAnywhere,
      ['my.deploy-system', SOURCES.watcher],
      AmiAvailableV1.detailType,
    );

    expect(decision).toBe('ExplicitlyDenied');
  });

  it('should still let a principal of this account put AmiRequested with its own source', async () => {
    const decision = await putEvents(
      outsider,
      allowPutEventsAnywhere,
      ['my.deploy-system'],
      AmiRequestedV1.detailType,
    );

    expect(decision).toBe('Allowed');
  });

  it('should deny a stack role that does not publish, even when allowed PutEvents on *', async () => {
    const decision = await putEvents(
      policies.roleArn('notifier'),
      [...policies.identityPolicies('notifier'), ...allowPutEventsAnywhere],
      [SOURCES.watcher],
      AmiAvailableV1.detailType,
    );

    expect(decision).toBe('ExplicitlyDenied');
  });

  describe('from a configured publisher account', () => {
    const publisher = `arn:aws:iam::${PUBLISHER_ACCOUNT}:role/Pipeline`;

    it('should allow AmiRequested with its own source', async () => {
      expect(
        await putEvents(
          publisher,
          allowPutEventsAnywhere,
          ['ci.pipeline'],
          AmiRequestedV1.detailType,
        ),
      ).toBe('Allowed');
    });

    it('should deny a request that mixes AmiRequested with another detail-type', async () => {
      const decision = await decide({
        principalArn: publisher,
        identityPolicies: allowPutEventsAnywhere,
        action: 'events:PutEvents',
        resource: bus.arn,
        context: {
          'events:source': ['ci.pipeline', 'ci.pipeline'],
          'events:detail-type': [AmiRequestedV1.detailType, AmiAvailableV1.detailType],
        },
        resourcePolicy: bus.policy,
      });

      expect(decision).toBe('ImplicitlyDenied');
    });

    it('should deny AmiRequested with one of our sources', async () => {
      expect(
        await putEvents(
          publisher,
          allowPutEventsAnywhere,
          [SOURCES.api],
          AmiRequestedV1.detailType,
        ),
      ).toBe('ExplicitlyDenied');
    });
  });
});
