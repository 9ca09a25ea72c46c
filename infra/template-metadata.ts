import { CfnResource } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Metadata keys on the resources of the synthesized template, so tools (the local cloud, audits)
 * find them without depending on CDK's generated logical ids.
 */
export const TEMPLATE_METADATA = {
  /** On each function (`api`, `creator`, `notifier`, `janitor`) and the state machine (`watcher`). */
  service: 'ami-lifecycle:service',
  /**
   * On the event bus: `event-bus`; on dead-letter queues: `dead-letters`; on the notifier's queue:
   * `notifications`; on tables, what they hold.
   */
  role: 'ami-lifecycle:role',
  /** On each bus rule: `{ service, detailType, version }` of the subscription it implements. */
  subscription: 'ami-lifecycle:subscription',
  /** On the janitor's schedule rule: `{ service: "janitor" }`. */
  schedule: 'ami-lifecycle:schedule',
  /** On a dead-letter queue: what ends up in it. */
  deadLetters: 'ami-lifecycle:dead-letters',
  /** On the state machine: the names of its Wait states and of its Task states by resource. */
  waitStates: 'ami-lifecycle:wait-states',
  taskStates: 'ami-lifecycle:task-states',
} as const;

/** Adds template metadata to a construct's CloudFormation resource. */
export function describeResource(construct: IConstruct, entries: Record<string, unknown>): void {
  const resource = construct instanceof CfnResource ? construct : construct.node.defaultChild;
  if (!(resource instanceof CfnResource)) {
    throw new Error(`${construct.node.path} has no CloudFormation resource to describe`);
  }
  for (const [key, value] of Object.entries(entries)) resource.addMetadata(key, value);
}
