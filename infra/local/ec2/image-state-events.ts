import { randomUUID } from 'node:crypto';
import {
  EC2_AMI_STATE_CHANGE,
  type Ec2AmiStateChangeDetail,
  ec2AmiStateChangeDetailSchema,
} from '../../../events/ec2-ami-state-change';
import type { ImageStateChange } from './model';
import type { Ec2Service } from './service';

/** An `EC2 AMI State Change` event, ready for the default bus's PutEvents. */
export interface ImageStateEvent {
  source: string;
  detailType: string;
  detail: Ec2AmiStateChangeDetail;
  resources: string[];
  time: Date;
}

export interface ImageStateEventsOptions {
  /** The clock given to the EC2 service (bake ends are on it); default `Date.now`. */
  now?: () => number;
  /** Gets what `emit` throws, so a bus failure never fails an EC2 request; default console.error. */
  onError?: (error: unknown) => void;
}

export interface ImageStateEvents {
  /** Give it to `createEc2Service` as `onImageStateChange`. */
  readonly onImageStateChange: (change: ImageStateChange) => void;
  /** Starts emitting for this service (changes reported before are emitted now) and arms the timer. */
  attach(ec2: Ec2Service): void;
  /** Call after every EC2 request: a CreateImage may have started a bake ending sooner. */
  rearm(): void;
  /** Clears the timer; changes still reported (by requests) are emitted. */
  stop(): void;
}

// setTimeout fires at once beyond this delay; a longer wait is simply re-armed when it fires.
const MAX_TIMER_MS = 2_147_483_647;

/**
 * EC2's AMI state events for the local cloud. The EC2 service runs no timers (it only settles on
 * requests), so without this an image would become `available` only when someone next asked, and a
 * watcher waiting for the event would wait for nothing. One timer, set for the earliest bake end,
 * settles the service then, which reports the change through `onImageStateChange`.
 *
 * ```ts
 * const events = imageStateEvents((event) => bus.putEvents([toEntry(event)]));
 * const ec2 = createEc2Service({ onImageStateChange: events.onImageStateChange });
 * events.attach(ec2); // then events.rearm() after each request, events.stop() on shutdown
 * ```
 */
export function imageStateEvents(
  emit: (event: ImageStateEvent) => void,
  options: ImageStateEventsOptions = {},
): ImageStateEvents {
  const now = options.now ?? Date.now;
  const onError = options.onError ?? ((error: unknown) => console.error(error));
  let ec2: Ec2Service | undefined;
  let stopped = false;
  const early: ImageStateChange[] = [];
  let timer: NodeJS.Timeout | undefined;
  let armedForMs: number | undefined;

  const send = (service: Ec2Service, change: ImageStateChange): void =>
    sendImageStateChange(service, change, emit, onError);

  const disarm = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    armedForMs = undefined;
  };

  const rearm = (): void => {
    if (ec2 === undefined || stopped) return;
    const next = ec2.nextImageStateChangeAtMs();
    if (next === armedForMs && (next === undefined || timer !== undefined)) return;
    disarm();
    if (next === undefined) return;
    const service = ec2;
    armedForMs = next;
    timer = setTimeout(
      () => {
        timer = undefined;
        armedForMs = undefined;
        try {
          service.settle();
        } catch (error) {
          onError(error);
        }
        rearm();
      },
      Math.min(MAX_TIMER_MS, Math.max(0, next - now())),
    );
    // The local cloud's lifetime is its servers'; a pending bake alone must not keep it alive.
    timer.unref();
  };

  return {
    onImageStateChange(change) {
      if (ec2 === undefined) early.push(change);
      else send(ec2, change);
    },
    attach(service) {
      ec2 = service;
      stopped = false;
      for (const change of early.splice(0)) send(service, change);
      disarm();
      rearm();
    },
    rearm,
    stop() {
      stopped = true;
      disarm();
    },
  };
}

function sendImageStateChange(
  service: Ec2Service,
  change: ImageStateChange,
  emit: (event: ImageStateEvent) => void,
  onError: (error: unknown) => void,
): void {
  // Real EC2 announces only the account's own images on its bus.
  if (change.ownerId !== service.accountId) return;
  try {
    emit({
      source: EC2_AMI_STATE_CHANGE.source,
      detailType: EC2_AMI_STATE_CHANGE.detailType,
      detail: ec2AmiStateChangeDetailSchema.parse({
        RequestId: randomUUID(),
        ImageId: change.imageId,
        State: change.state,
        ErrorMessage: change.errorMessage,
      }),
      resources: [`arn:aws:ec2:${service.region}::image/${change.imageId}`],
      time: new Date(change.atMs),
    });
  } catch (error) {
    onError(error);
  }
}
