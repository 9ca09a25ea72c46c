import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import { Construct } from 'constructs';
import type { EventContract, EventPattern } from '../../events/contract';
import { DeadLetterQueue } from './dead-letter-queue';
import { toRulePattern } from './subscriptions';

/** Where the schema version sits in an event; every versioned rule matches it. */
const SCHEMA_VERSION_PATH = '$.detail.metadata.schemaVersion';

/** Why an event is refused, and the pattern that selects the events refused for it. */
export interface UnroutableCase {
  /** A short name, for rule ids and descriptions. */
  readonly name: 'SchemaVersionMissing' | 'SchemaVersionNotAnInteger' | 'SchemaVersionUnsupported';
  readonly pattern: EventPattern;
  /**
   * The reason sent with the event. `<schemaVersion>` is replaced by the event's own value, so an
   * operator reads "schemaVersion 2 is not supported" rather than a rule name.
   */
  readonly reason: string;
}

/**
 * The patterns that together select every event of a detail-type that no versioned rule accepts,
 * and nothing a versioned rule accepts. They do not overlap, so each refused event is dead-lettered
 * once, with one reason:
 * - `schemaVersion` is missing (also when `metadata` is, or is not an object). `exists: false` is
 *   put on the leaf: on an intermediate node such as `metadata` EventBridge sees no value and would
 *   match every event;
 * - it is not a number: any string (`"1"` is not `1`), a boolean or null;
 * - it is a number outside the supported majors: numeric ranges around them. `anything-but` is not
 *   used here because it would also take strings, whose reason is a different one.
 */
export function unroutableCases(
  detailType: string,
  supportedMajors: readonly number[],
): UnroutableCase[] {
  const majors = [...new Set(supportedMajors)].sort((a, b) => a - b);
  if (majors.length === 0) throw new Error(`${detailType}: no supported major version`);
  const withVersion = (condition: unknown[]): EventPattern => ({
    'detail-type': [detailType],
    detail: { metadata: { schemaVersion: condition } },
  });
  const supported = majors.join(', ');
  return [
    {
      name: 'SchemaVersionMissing',
      pattern: withVersion([{ exists: false }]),
      reason: `metadata.schemaVersion is missing: metadata is missing or has no schemaVersion (supported: ${supported})`,
    },
    {
      name: 'SchemaVersionNotAnInteger',
      pattern: withVersion([{ prefix: '' }, true, false, null]),
      reason: `schemaVersion must be an integer (supported: ${supported})`,
    },
    {
      name: 'SchemaVersionUnsupported',
      pattern: withVersion(numericRangesOutside(majors)),
      reason: `schemaVersion <schemaVersion> is not supported (supported: ${supported})`,
    },
  ];
}

/** `numeric` conditions matching every number but the given ones (sorted, distinct). */
function numericRangesOutside(majors: readonly number[]): unknown[] {
  const first = majors[0] as number;
  const last = majors[majors.length - 1] as number;
  const between = majors
    .slice(1)
    .map((major, index) => ({ numeric: ['>', majors[index] as number, '<', major] }));
  return [{ numeric: ['<', first] }, ...between, { numeric: ['>', last] }];
}

export interface UnroutableEventsProps {
  readonly bus: events.IEventBus;
  /** The versioned subscriptions of the stack's services: what some rule accepts. */
  readonly subscriptions: Readonly<Record<string, readonly EventContract[]>>;
}

/**
 * Events of a consumed detail-type that no versioned rule accepts (no schema version, a string
 * for a number, a major no service reads) would otherwise vanish: EventBridge accepts them
 * (`FailedEntryCount: 0`) and delivers them nowhere. Rules here send each of them to a dead-letter
 * queue, as `{ reason, event }`, so they raise the dead-letter alarm and can be redriven.
 *
 * Covered: every detail-type some service subscribes to, with the majors of its subscriptions.
 * That is the public input (AmiRequested, AmiPurgeRequested) and our own outcomes the notifier and
 * janitor read (AmiAvailable, AmiFailed, AmiPurged), so a producer upgraded ahead of its consumers
 * is caught too. AmiCreated is not: no service consumes it, so every AmiCreated would match.
 */
export class UnroutableEvents extends Construct {
  readonly deadLetterQueue: DeadLetterQueue;
  readonly rules: events.Rule[] = [];

  constructor(scope: Construct, id: string, props: UnroutableEventsProps) {
    super(scope, id);
    this.deadLetterQueue = new DeadLetterQueue(this, 'Refused', {
      purpose: 'events of ours that no rule accepts (schema version missing or unsupported)',
    });
    for (const [detailType, majors] of supportedMajorsByDetailType(props.subscriptions)) {
      for (const refused of unroutableCases(detailType, majors)) {
        const rule = new events.Rule(this, `${detailType}${refused.name}`, {
          eventBus: props.bus,
          description: `${detailType} that no versioned rule accepts (${refused.name}) to dead letters`,
          eventPattern: toRulePattern(refused.pattern),
          targets: [
            new targets.SqsQueue(this.deadLetterQueue.queue, {
              message: events.RuleTargetInput.fromObject({
                reason: refused.reason
                  .split('<schemaVersion>')
                  .join(events.EventField.fromPath(SCHEMA_VERSION_PATH)),
                event: events.EventField.fromPath('$'),
              }),
              // A queue in the same account rarely refuses; if it does, keep trying for a day.
              maxEventAge: Duration.hours(24),
              retryAttempts: 185,
            }),
          ],
        });
        this.rules.push(rule);
      }
    }
  }
}

/** Each consumed detail-type with the majors some subscription accepts. */
export function supportedMajorsByDetailType(
  subscriptions: Readonly<Record<string, readonly EventContract[]>>,
): Map<string, number[]> {
  const majors = new Map<string, number[]>();
  for (const contract of Object.values(subscriptions).flat()) {
    const known = majors.get(contract.detailType) ?? [];
    if (!known.includes(contract.version)) known.push(contract.version);
    majors.set(contract.detailType, known);
  }
  return majors;
}
