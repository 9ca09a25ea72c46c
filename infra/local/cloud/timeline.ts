import { LOCAL_ACCOUNT_ID } from '../account';
import type { Ec2Service } from '../ec2';
import type { EventBus } from '../events/bus';
import type { Timeline } from '../timeline';

/** The target of the local cloud's own rules, which print events on the timeline. */
export const TIMELINE_ARN = 'arn:aws:local:::timeline';

/** Every event of the template's bus, and EC2's on the default one, goes on the timeline. */
export function putTimelineRules(bus: EventBus, busName: string): void {
  bus.putRule({
    name: 'local-timeline',
    eventBusName: busName,
    eventPattern: { account: [LOCAL_ACCOUNT_ID] },
    targets: [{ id: 'timeline', arn: TIMELINE_ARN }],
  });
  bus.putRule({
    name: 'local-timeline-ec2',
    eventPattern: { source: ['aws.ec2'] },
    targets: [{ id: 'timeline', arn: TIMELINE_ARN }],
  });
}

/**
 * Prints AMIs moving from pending to available (or failed). EC2 here changes state lazily, on the
 * next request, so progress is read from each image's bake schedule.
 */
export function watchImageProgress(ec2: Ec2Service, timeline: Timeline): NodeJS.Timeout {
  const seen = new Map<string, string>();
  const timer = setInterval(() => {
    const now = Date.now();
    for (const image of ec2.state.images) {
      if (image.ownerId !== ec2.accountId) continue;
      let summary: string = image.state;
      if (image.bake) {
        const { startMs, endMs, outcome } = image.bake;
        const percent = Math.min(99, Math.floor(((now - startMs) / (endMs - startMs)) * 100));
        summary = now >= endMs ? outcome : `pending, snapshots ${Math.floor(percent / 25) * 25}%`;
      }
      const previous = seen.get(image.imageId);
      if (previous !== undefined && previous !== summary) {
        timeline({ kind: 'ami', text: `${image.imageId} ${image.name}: ${summary}` });
      } else if (previous === undefined && image.bake) {
        timeline({ kind: 'ami', text: `${image.imageId} ${image.name}: ${summary}` });
      }
      seen.set(image.imageId, summary);
    }
  }, 500);
  timer.unref();
  return timer;
}
