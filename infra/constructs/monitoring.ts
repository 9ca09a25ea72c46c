import { Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as sns from 'aws-cdk-lib/aws-sns';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { METRIC, METRICS_NAMESPACE } from '../../services/shared/observability';
import { DeadLetterQueue } from './dead-letter-queue';
import { ServiceFunction } from './service-function';
import { metricFailedWatches } from './watcher';

export interface MonitoringProps {
  readonly watcher: sfn.IStateMachine;
  /** The watcher's wake-up state machine. */
  readonly wakeUp: sfn.IStateMachine;
  /** The janitor's purge runs. */
  readonly purgeRun: sfn.IStateMachine;
  /** The creator's announcer of failed names. */
  readonly announcer: sfn.IStateMachine;
  readonly alarmTopicArn?: string;
}

const PERIOD = Duration.minutes(5);

/**
 * Alarms on everything that means "something was not done": a message in any dead-letter queue,
 * a failed, timed-out or aborted watcher execution, a function error. And one dashboard with the
 * AMI flow (from the services' metrics), the watcher and the dead letters.
 *
 * Built last: it finds every dead-letter queue and function of the stack by itself.
 */
export class Monitoring extends Construct {
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const constructs = stack.node.findAll();
    const deadLetterQueues = constructs.filter((c) => c instanceof DeadLetterQueue);
    const functions = constructs.filter((c) => c instanceof ServiceFunction);
    const topic =
      props.alarmTopicArn === undefined
        ? undefined
        : sns.Topic.fromTopicArn(this, 'AlarmTopic', props.alarmTopicArn);

    const alarm = (alarmId: string, description: string, metric: cloudwatch.IMetric) => {
      const created = new cloudwatch.Alarm(this, alarmId, {
        alarmDescription: description,
        metric,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      if (topic !== undefined) {
        created.addAlarmAction(new actions.SnsAction(topic));
        created.addOkAction(new actions.SnsAction(topic));
      }
      this.alarms.push(created);
      return created;
    };

    // Alarms take plain metrics (a label would turn them into metric math); graphs get labels.
    const deadLetterMetrics = deadLetterQueues.map((dlq) => {
      const metric = dlq.queue.metricApproximateNumberOfMessagesVisible({
        period: PERIOD,
        statistic: cloudwatch.Stats.MAXIMUM,
      });
      alarm(
        `DeadLetters${dlq.node.scopes
          .slice(2)
          .map((c) => c.node.id)
          .join('')}`,
        `ami-lifecycle dead letters: ${dlq.purpose}. Read the messages for the reason, fix, then redrive.`,
        metric,
      );
      return metric.with({ label: dlq.purpose });
    });

    const errorMetrics = functions.map((fn) => {
      const metric = fn.function.metricErrors({ period: PERIOD, statistic: cloudwatch.Stats.SUM });
      alarm(
        `${capitalize(fn.service)}Errors`,
        `ami-lifecycle ${fn.service} function errors; see its log group for the request id.`,
        metric,
      );
      return metric.with({ label: fn.service });
    });

    const watcherMetrics = {
      started: props.watcher.metricStarted({ period: PERIOD }),
      succeeded: props.watcher.metricSucceeded({ period: PERIOD }),
      failed: props.watcher.metricFailed({ period: PERIOD }),
      timedOut: props.watcher.metricTimedOut({ period: PERIOD }),
      aborted: props.watcher.metricAborted({ period: PERIOD }),
    };
    alarm(
      'WatcherFailed',
      'ami-lifecycle watcher executions, or the watch of one AMI, failed (an outcome could not be published).',
      new cloudwatch.MathExpression({
        // FILL: a period in which only one of them has data still counts the other.
        expression: 'FILL(failed, 0) + FILL(failedWatches, 0)',
        usingMetrics: {
          failed: watcherMetrics.failed,
          failedWatches: metricFailedWatches(props.watcher, { period: PERIOD }),
        },
        period: PERIOD,
      }),
    );
    alarm(
      'WatcherTimedOut',
      'ami-lifecycle watcher executions timed out.',
      watcherMetrics.timedOut,
    );
    alarm(
      'WatcherAborted',
      'ami-lifecycle watcher executions were stopped.',
      watcherMetrics.aborted,
    );
    // The name's AmiFailed never went out: its ledger item stays failed and unpublished, and a
    // repeated delivery of the request hands it to a new execution.
    alarm(
      'AnnouncerFailed',
      'ami-lifecycle could not publish the AmiFailed of a failed name; see the creator-announcer log group.',
      executionsNotSucceeded(props.announcer),
    );
    // A failed wake-up delays a notification by up to one poll interval; it loses nothing, but
    // repeated failures (permissions, throttling) mean every AMI waits the full interval again.
    alarm(
      'WakeUpFailed',
      'ami-lifecycle watcher wake-ups failed: checks fall back to the poll interval. See the wake-up log group.',
      props.wakeUp.metricFailed({ period: PERIOD }),
    );
    // A failed or stopped run released its lock, but what it did not purge waits for the next.
    alarm(
      'PurgeRunFailed',
      'ami-lifecycle purge runs failed, timed out or were stopped; see the purge-run log group.',
      executionsNotSucceeded(props.purgeRun),
    );

    // A revoked or mistyped webhook URL: its notifications wait in the dead-letter queue until
    // the URL is fixed in the secret and they are redriven.
    alarm(
      'WebhookRejected',
      'ami-lifecycle webhooks refused notifications (4xx): fix the URL in the webhook secret, then redrive the notifier dead-letter queue.',
      new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: METRIC.webhookRejected,
        dimensionsMap: { service: 'notifier' },
        period: PERIOD,
        statistic: cloudwatch.Stats.SUM,
      }),
    );

    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      defaultInterval: Duration.days(7),
      widgets: [
        [
          new cloudwatch.GraphWidget({
            title: 'AMIs',
            width: 24,
            left: [
              amiMetric(METRIC.requested, 'requested'),
              amiMetric(METRIC.created, 'created'),
              amiMetric(METRIC.available, 'available'),
              amiMetric(METRIC.failed, 'failed'),
              amiMetric(METRIC.purged, 'purged'),
            ],
          }),
        ],
        [
          new cloudwatch.GraphWidget({
            title: 'Watcher executions',
            width: 12,
            left: Object.entries(watcherMetrics).map(([label, metric]) => metric.with({ label })),
          }),
          new cloudwatch.GraphWidget({ title: 'Dead letters', width: 12, left: deadLetterMetrics }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Function errors', width: 12, left: errorMetrics }),
          new cloudwatch.AlarmStatusWidget({ title: 'Alarms', width: 12, alarms: this.alarms }),
        ],
      ],
    });
  }
}

/** A service metric summed over the dimensions Powertools adds (e.g. `service`). */
function amiMetric(metricName: string, label: string): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SUM(SEARCH('{${METRICS_NAMESPACE},service} MetricName="${metricName}"', 'Sum', 300))`,
    label,
    period: PERIOD,
    usingMetrics: {},
  });
}

function capitalize(word: string): string {
  return word.charAt(0).toUpperCase() + word.slice(1);
}

/** Executions of a state machine that failed, timed out or were stopped, per period. */
function executionsNotSucceeded(stateMachine: sfn.IStateMachine): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: 'failed + timedOut + aborted',
    usingMetrics: {
      failed: stateMachine.metricFailed({ period: PERIOD }),
      timedOut: stateMachine.metricTimedOut({ period: PERIOD }),
      aborted: stateMachine.metricAborted({ period: PERIOD }),
    },
    period: PERIOD,
  });
}
