import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { EventContract, EventPattern } from '../../events/contract';
import { describeResource, TEMPLATE_METADATA } from '../template-metadata';
import { DeadLetterQueue } from './dead-letter-queue';
import type { ServiceFunction } from './service-function';

/** EventBridge retries a failed delivery with backoff for this long, then dead-letters it. */
const DELIVERY_MAX_EVENT_AGE = Duration.hours(6);
const DELIVERY_RETRY_ATTEMPTS = 185;

export interface SubscriptionsProps {
  readonly bus: events.IEventBus;
  readonly consumer: ServiceFunction;
  readonly contracts: readonly EventContract[];
  /** A queue the consumer reads, to deliver to instead of invoking the function. */
  readonly queue?: sqs.IQueue;
}

/**
 * One rule per consumed contract, built from the contract's own pattern (its detail-type and major
 * version). Events EventBridge cannot deliver go to one dead-letter queue per consumer.
 */
export class Subscriptions extends Construct {
  readonly rules: events.Rule[];
  readonly deadLetterQueue: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: SubscriptionsProps) {
    super(scope, id);
    const service = props.consumer.service;
    this.deadLetterQueue = new DeadLetterQueue(this, 'UndeliveredEvents', {
      purpose: `${service}: events EventBridge could not deliver`,
    });
    const delivery = {
      deadLetterQueue: this.deadLetterQueue.queue,
      maxEventAge: DELIVERY_MAX_EVENT_AGE,
      retryAttempts: DELIVERY_RETRY_ATTEMPTS,
    };
    this.rules = props.contracts.map((contract) => {
      const rule = new events.Rule(this, `${contract.detailType}V${contract.version}`, {
        eventBus: props.bus,
        description: `${contract.detailType} v${contract.version} to the ${service} ${props.queue ? 'queue' : 'function'}`,
        eventPattern: toRulePattern(contract.pattern),
        targets: [
          props.queue
            ? new targets.SqsQueue(props.queue, delivery)
            : new targets.LambdaFunction(props.consumer.function, delivery),
        ],
      });
      describeResource(rule, {
        [TEMPLATE_METADATA.subscription]: {
          service,
          detailType: contract.detailType,
          version: contract.version,
        },
      });
      return rule;
    });
  }
}

/** The contract patterns are written as EventBridge takes them; CDK spells `detail-type` in camel case. */
export function toRulePattern(pattern: EventPattern): events.EventPattern {
  const { 'detail-type': detailType, ...rest } = pattern;
  return { ...rest, detailType } as events.EventPattern;
}
