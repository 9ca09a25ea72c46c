import type { EventBus } from '../events/bus';
import { nextScheduledRun } from '../schedule';
import type { LocalRuleSpec, LocalTemplate } from '../template/local-template';
import type { Timeline } from '../timeline';

/** The timer of one scheduled rule, re-armed each time it fires. */
export type ScheduleTimer = { current?: NodeJS.Timeout };

/**
 * Runs the template's scheduled rules (e.g. the janitor's daily sweep). Each becomes a rule on the
 * default bus matching its own Scheduled Event, so its targets get the bus's retries and dead
 * letters, exactly as EventBridge delivers a schedule.
 */
export function startSchedules(
  template: LocalTemplate,
  bus: EventBus,
  timeline: Timeline,
): ScheduleTimer[] {
  return template.rules.flatMap((rule) => {
    if (!rule.scheduleExpression) return [];
    const ruleArn = template.arnOf(rule.logicalId);
    bus.putRule({
      name: rule.name,
      eventPattern: {
        source: ['aws.events'],
        'detail-type': ['Scheduled Event'],
        resources: [ruleArn],
      },
      targets: rule.targets,
    });
    const timer: ScheduleTimer = {};
    armSchedule(rule, ruleArn, { bus, timeline, timer }, new Date());
    return [timer];
  });
}

export function stopSchedules(timers: readonly ScheduleTimer[]): void {
  for (const timer of timers) clearTimeout(timer.current);
}

/** Sets `timer` for the rule's next run after `after`; when it fires, the next one is set. */
function armSchedule(
  rule: LocalRuleSpec,
  ruleArn: string,
  { bus, timeline, timer }: { bus: EventBus; timeline: Timeline; timer: ScheduleTimer },
  after: Date,
): void {
  const next = nextScheduledRun(rule.scheduleExpression ?? '', after);
  if (!next) {
    timeline({ kind: 'schedule', text: `${rule.scheduleExpression} is not emulated locally` });
    return;
  }
  timeline({ kind: 'schedule', text: `${rule.name} next runs at ${next.toISOString()}` });
  timer.current = setTimeout(
    () => {
      bus.putEvents([
        {
          Source: 'aws.events',
          DetailType: 'Scheduled Event',
          Detail: '{}',
          Resources: [ruleArn],
          Time: next,
        },
      ]);
      timeline({ kind: 'schedule', text: `${rule.name} fired` });
      armSchedule(rule, ruleArn, { bus, timeline, timer }, next);
    },
    Math.min(next.getTime() - Date.now(), 2 ** 31 - 1),
  );
  timer.current.unref();
}
