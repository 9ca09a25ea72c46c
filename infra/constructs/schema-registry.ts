import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as eventschemas from 'aws-cdk-lib/aws-eventschemas';
import { Construct } from 'constructs';
import { EVENT_CONTRACTS, schemaFileName } from '../../events/catalog';

const SCHEMAS_DIR = join(import.meta.dirname, '..', '..', 'events', 'schemas');

/**
 * Publishes the checked-in JSON Schemas (Draft 4) of every event contract in an EventBridge Schema
 * Registry, so consumers can browse them and generate code bindings. The registry name carries
 * the stack name so two deployments in one account do not collide.
 */
export class EventSchemaRegistry extends Construct {
  readonly registry: eventschemas.CfnRegistry;

  constructor(scope: Construct, id: string, props: { readonly registryName: string }) {
    super(scope, id);
    this.registry = new eventschemas.CfnRegistry(this, 'Registry', {
      registryName: props.registryName,
      description: 'ami-lifecycle event contracts: detail of each event, one schema per major',
    });
    for (const contract of EVENT_CONTRACTS) {
      new eventschemas.CfnSchema(this, `${contract.detailType}V${contract.version}`, {
        registryName: this.registry.attrRegistryName,
        schemaName: `ami-lifecycle@${contract.detailType}.v${contract.version}`,
        type: 'JSONSchemaDraft4',
        description: contract.description,
        content: readFileSync(join(SCHEMAS_DIR, schemaFileName(contract)), 'utf8'),
      });
    }
  }
}
