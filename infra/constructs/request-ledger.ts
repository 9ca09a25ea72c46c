import { RemovalPolicy } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import {
  LEDGER_ATTRIBUTES,
  LEDGER_BY_INSTANCE_NAME,
} from '../../services/shared/request-ledger-record';
import { acknowledgeWildcardResources } from '../nag';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';

/**
 * Where every requested name is, one item per (request id, instance name): the API records it,
 * the creator and the watcher move it on, and a terminal event is published only after a
 * conditional write gives the name its terminal state. It is also what the status routes read.
 */
export class RequestLedger extends Construct {
  readonly table: dynamodb.Table;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const { STRING } = dynamodb.AttributeType;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: LEDGER_ATTRIBUTES.requestId, type: STRING },
      sortKey: { name: LEDGER_ATTRIBUTES.instanceName, type: STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      timeToLiveAttribute: LEDGER_ATTRIBUTES.expiresAt,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The record of what was requested, by whom, and how each name ended.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.table.addGlobalSecondaryIndex({
      indexName: LEDGER_BY_INSTANCE_NAME.indexName,
      partitionKey: { name: LEDGER_BY_INSTANCE_NAME.partition, type: STRING },
      sortKey: { name: LEDGER_BY_INSTANCE_NAME.sort, type: STRING },
      projectionType: dynamodb.ProjectionType.ALL,
    });
    describeResource(this.table, { [TEMPLATE_METADATA.role]: 'request-ledger' });
  }

  /** Reads of one name and the conditional updates that move names on: no deletes, no scans. */
  grantRecord(role: iam.IRole): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RecordRequestedNames',
        actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
        resources: [this.table.tableArn],
      }),
    );
  }

  /** What the API does: records names as requested, and reads requests back for the status routes. */
  grantAcceptAndRead(role: iam.IRole): void {
    this.grantRecord(role);
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadRequests',
        actions: ['dynamodb:Query'],
        resources: [this.table.tableArn, `${this.table.tableArn}/index/*`],
      }),
    );
    acknowledgeWildcardResources(
      role,
      [`${this.table.tableArn}/index/*`],
      "The request ledger's own indexes: the status routes list a name's requests through one.",
    );
  }
}
