import { AmiAvailableV1 } from '../../../events/ami-available.v1';
import type { LocalTemplate } from '../template/local-template';
import type { Engines } from './engines';
import { putTimelineRules } from './timeline';

/**
 * Deploys the template's rules and state machines on the engines, with the local cloud's own
 * rules (the timeline, `subscribers`), then lets EC2 announce AMI state changes.
 */
export function deployTemplate(
  engines: Engines,
  template: LocalTemplate,
  subscribers: readonly string[],
): void {
  const { bus, stepFunctions } = engines;
  // Rules without a bus are on the default one, where AWS services (EC2 here) send their events.
  for (const rule of template.rules) {
    if (rule.eventPattern) {
      bus.putRule({
        name: rule.name,
        ...(rule.eventBusName ? { eventBusName: rule.eventBusName } : {}),
        eventPattern: rule.eventPattern,
        targets: rule.targets,
      });
    }
  }
  putTimelineRules(bus, template.bus.name);
  subscribers.forEach((url, index) => {
    bus.subscribeHttp(url, AmiAvailableV1.pattern, {
      name: `local-subscriber-${index + 1}`,
      eventBusName: template.bus.name,
    });
  });
  for (const machine of template.stateMachines) {
    stepFunctions.registerStateMachine({ ...machine, definition: machine.definition as never });
  }
  engines.amiStateEvents.attach(engines.ec2);
}
