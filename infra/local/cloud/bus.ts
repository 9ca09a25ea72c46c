import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../account';
import { createEventBus, type EventBus } from '../events/bus';
import type { RetryTiming } from '../events/delivery';
import { describeDeadLetter, describeDeliveryRetry } from '../events/delivery-summary';
import type { TargetInvoker } from '../events/model';
import type { LocalTemplate } from '../template/local-template';
import type { Timeline } from '../timeline';
import type { StatePaths } from './state';

/** The template's bus (and the default one), logging events and dead letters under the state folder. */
export function createLocalBus(
  template: LocalTemplate,
  paths: StatePaths,
  timeline: Timeline,
  invokeTarget: TargetInvoker,
  deliveryRetry: RetryTiming | undefined,
): EventBus {
  return createEventBus({
    region: LOCAL_REGION,
    account: LOCAL_ACCOUNT_ID,
    busNames: [template.bus.name],
    eventLogPath: paths.events,
    deadLetterPath: paths.deadLetters,
    journalPath: paths.eventDeliveries,
    deadLetterQueueArns: template.deadLetterQueueArns,
    onDeadLetter: (letter) => timeline({ kind: 'dead-letter', text: describeDeadLetter(letter) }),
    // The first failure says a delivery is in trouble; each retry after it would only repeat that.
    onDeliveryRetry: (retry) => {
      if (retry.attempts === 1) timeline({ kind: 'retry', text: describeDeliveryRetry(retry) });
    },
    ...(deliveryRetry ? { retry: deliveryRetry } : {}),
    invokeTarget,
  });
}
