import { type Duration, Stack } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { AmiAvailableV1 } from '../../events/ami-available.v1';
import { AmiRequestedV1 } from '../../events/ami-requested.v1';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';

export interface EventBusProps {
  /** Other accounts that may put AmiRequested (this account's principals need only IAM). */
  readonly publisherAccounts: readonly string[];
  readonly publisherOrganizationId?: string;
  /** Accounts that may create rules on the bus for AmiAvailable. */
  readonly subscriberAccounts: readonly string[];
  readonly archiveRetention: Duration;
}

/** Every source this system publishes with (`SOURCES` in events/contract.ts) matches this. */
const OWN_SOURCES_PATTERN = 'ami-lifecycle.*';

/** Actions a subscriber account needs to manage the rules it created on this bus. */
const RULE_MANAGEMENT_ACTIONS = [
  'events:PutTargets',
  'events:RemoveTargets',
  'events:DeleteRule',
  'events:DisableRule',
  'events:EnableRule',
  'events:DescribeRule',
  'events:ListTargetsByRule',
  'events:TagResource',
  'events:UntagResource',
  'events:ListTagsForResource',
];

/**
 * The system's own bus. Every event is archived for replay. The bus policy lets configured
 * accounts (or an organisation) publish only AmiRequested, and configured subscriber accounts
 * create rules only for AmiAvailable and manage only the rules they created. Once the stack's
 * publishing roles are known (`allowOwnSourcesOnlyFrom`), it denies our own sources to anyone else.
 */
export class AmiEventBus extends Construct {
  readonly bus: events.EventBus;
  private ownSourcesDeny?: iam.PolicyStatement;

  constructor(scope: Construct, id: string, props: EventBusProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.bus = new events.EventBus(this, 'Bus', {
      // A name people can type (`--event-bus-name AmiLifecycle`); one bus per stack.
      eventBusName: Stack.of(this).stackName,
      description:
        'ami-lifecycle: AmiRequested in; AmiCreated, AmiAvailable, AmiFailed, AmiPurged out',
    });
    describeResource(this.bus, { [TEMPLATE_METADATA.role]: 'event-bus' });
    this.bus.archive('Archive', {
      description: 'Every ami-lifecycle event, for replay after a fix',
      // Every event, from this account and from publishers elsewhere.
      eventPattern: { source: events.Match.prefix('') },
      retention: props.archiveRetention,
    });

    const putAmiRequested = (
      sid: string,
      principal: iam.IPrincipal,
      extraConditions: Record<string, string> = {},
    ) =>
      new iam.PolicyStatement({
        sid,
        principals: [principal],
        actions: ['events:PutEvents'],
        resources: [this.bus.eventBusArn],
        conditions: {
          // events:detail-type has one value per entry: every entry must be AmiRequested, and a
          // request without the key must not pass as "all of none".
          'ForAllValues:StringEquals': { 'events:detail-type': AmiRequestedV1.detailType },
          Null: { 'events:detail-type': 'false' },
          ...(Object.keys(extraConditions).length > 0 && { StringEquals: extraConditions }),
        },
      });
    for (const account of props.publisherAccounts) {
      this.bus.addToResourcePolicy(
        putAmiRequested(`PutAmiRequested${account}`, new iam.AccountPrincipal(account)),
      );
    }
    if (props.publisherOrganizationId !== undefined) {
      this.bus.addToResourcePolicy(
        putAmiRequested('PutAmiRequestedOrganization', new iam.StarPrincipal(), {
          'aws:PrincipalOrgID': props.publisherOrganizationId,
        }),
      );
    }

    const subscriberRules = stack.formatArn({
      service: 'events',
      resource: 'rule',
      resourceName: `${this.bus.eventBusName}/*`,
    });
    for (const account of props.subscriberAccounts) {
      const principal = new iam.AccountPrincipal(account);
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `CreateAmiAvailableRules${account}`,
          principals: [principal],
          actions: ['events:PutRule'],
          resources: [subscriberRules],
          conditions: {
            StringEquals: {
              'events:creatorAccount': account,
              'events:detail-type': AmiAvailableV1.detailType,
            },
          },
        }),
      );
      this.bus.addToResourcePolicy(
        new iam.PolicyStatement({
          sid: `ManageOwnRules${account}`,
          principals: [principal],
          actions: RULE_MANAGEMENT_ACTIONS,
          resources: [subscriberRules],
          conditions: { StringEqualsIfExists: { 'events:creatorAccount': account } },
        }),
      );
    }
  }

  /**
   * Denies `events:PutEvents` with any `ami-lifecycle.*` source to every principal, this
   * account's included, except these roles: consumers trust our sources (an AmiAvailable from the
   * watcher starts a purge), so nobody else may forge them. Identity policies alone cannot do this:
   * any principal with `events:PutEvents` on the bus could otherwise pick any source.
   *
   * Call it once, with every role that publishes our events. The Deny is its own
   * `AWS::Events::EventBusPolicy` resource: it references the roles while their policies reference
   * the bus, so there is no cycle.
   */
  allowOwnSourcesOnlyFrom(roles: readonly iam.IRole[]): void {
    if (this.ownSourcesDeny !== undefined) {
      throw new Error(`${this.node.path}: allowOwnSourcesOnlyFrom was already called`);
    }
    if (roles.length === 0) {
      throw new Error(`${this.node.path}: allowOwnSourcesOnlyFrom needs the publishing roles`);
    }
    this.ownSourcesDeny = new iam.PolicyStatement({
      sid: 'DenyOwnSourcesToOthers',
      effect: iam.Effect.DENY,
      principals: [new iam.StarPrincipal()],
      actions: ['events:PutEvents'],
      resources: [this.bus.eventBusArn],
      conditions: {
        // One value per entry: a request is denied if any of its entries uses our sources.
        'ForAnyValue:StringLike': { 'events:source': OWN_SOURCES_PATTERN },
        // A missing aws:PrincipalArn (a service principal) matches, so it is denied too.
        ArnNotEquals: { 'aws:PrincipalArn': roles.map((role) => role.roleArn) },
      },
    });
    this.bus.addToResourcePolicy(this.ownSourcesDeny);
  }
}
