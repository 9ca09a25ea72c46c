import { createHash, randomUUID } from 'node:crypto';

/** A queue of the template, as the local SQS keeps it. */
export interface LocalQueueSpec {
  readonly name: string;
  readonly arn: string;
  /** Seconds a received message stays hidden (the queue's `VisibilityTimeout`). */
  readonly visibilityTimeoutSeconds: number;
  /** Seconds a message is kept (`MessageRetentionPeriod`). */
  readonly retentionSeconds: number;
  /** `RedrivePolicy`: after this many receives a message moves to the dead-letter queue. */
  readonly redrive?: { readonly deadLetterArn: string; readonly maxReceiveCount: number };
  /** A dead-letter queue: what arrives is also reported as a dead letter. */
  readonly deadLetters: boolean;
}

export interface QueueMessage {
  readonly messageId: string;
  readonly body: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sentAt: number;
  receiveCount: number;
  firstReceivedAt?: number;
  visibleAt: number;
  receiptHandle?: string;
  /** Handed to a function that has not answered yet: hidden whatever its visibility says. */
  held?: boolean;
}

/** SQS's error, answered by the JSON protocol with its code. */
export class SqsError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SqsError';
  }
}

export interface LocalQueuesOptions {
  readonly queues: readonly LocalQueueSpec[];
  /**
   * Multiplies every queue duration (visibility, retention) and stretches the message ages a
   * consumer sees by its inverse: 1/600 turns a 15-minute backoff into 1.5 s and a 24-hour retry
   * window into 144 s.
   */
  readonly timeScale?: number;
  readonly now?: () => number;
  /** Told of each message arriving in a dead-letter queue, with the queue it arrived in. */
  readonly onDeadLetter?: (queue: LocalQueueSpec, message: QueueMessage) => void;
  /** Messages saved by `snapshotState`, by queue name. */
  readonly state?: Record<string, QueueMessage[]>;
  /** Told after a message arrives or leaves (sent, deleted, moved), e.g. to save the queues. */
  readonly onChange?: () => void;
}

export const md5Hex = (text: string) => createHash('md5').update(text).digest('hex');

/**
 * The queues of the template, in process: send, receive with a visibility timeout, change it,
 * delete, and the redrive policy that moves a message received too often to its dead-letter queue.
 */
export class LocalQueues {
  readonly timeScale: number;
  private readonly now: () => number;
  private readonly specs = new Map<string, LocalQueueSpec>();
  private readonly messages = new Map<string, QueueMessage[]>();

  constructor(private readonly options: LocalQueuesOptions) {
    this.timeScale = options.timeScale ?? 1;
    this.now = options.now ?? Date.now;
    for (const spec of options.queues) {
      this.specs.set(spec.name, spec);
      // A message held by a function at a restart is visible again: the invocation is gone.
      const saved = (options.state?.[spec.name] ?? []).map((message) => ({
        ...message,
        held: false,
      }));
      this.messages.set(spec.name, saved);
    }
  }

  /** A queue by name, ARN or URL; `QueueDoesNotExist` otherwise. */
  queue(ref: string): LocalQueueSpec {
    const name = ref.startsWith('arn:') ? ref.split(':').at(-1) : ref.split('/').at(-1);
    const spec = this.specs.get(name ?? '');
    if (!spec)
      throw new SqsError('QueueDoesNotExist', `The specified queue ${ref} does not exist.`);
    return spec;
  }

  has(ref: string): boolean {
    try {
      this.queue(ref);
      return true;
    } catch {
      return false;
    }
  }

  send(ref: string, body: string, attributes: Record<string, string> = {}): QueueMessage {
    const spec = this.queue(ref);
    const now = this.now();
    const message: QueueMessage = {
      messageId: randomUUID(),
      body,
      attributes,
      sentAt: now,
      receiveCount: 0,
      visibleAt: now,
    };
    this.listOf(spec).push(message);
    this.options.onChange?.();
    if (spec.deadLetters) this.options.onDeadLetter?.(spec, message);
    return message;
  }

  /**
   * Receives up to `max` visible messages, hiding each for the queue's visibility timeout. A
   * message already received `maxReceiveCount` times moves to the dead-letter queue instead.
   * `hold` keeps them hidden until `release`, as while a function works on them.
   */
  receive(ref: string, max: number, hold = false): QueueMessage[] {
    const spec = this.queue(ref);
    const now = this.now();
    const list = this.listOf(spec);
    const expired = now - this.scaled(spec.retentionSeconds);
    this.messages.set(
      spec.name,
      list.filter((message) => message.sentAt > expired),
    );
    const received: QueueMessage[] = [];
    for (const message of [...this.listOf(spec)]) {
      if (received.length >= max) break;
      if (message.held || message.visibleAt > now) continue;
      if (spec.redrive && message.receiveCount >= spec.redrive.maxReceiveCount) {
        this.remove(spec, message);
        const target = this.queue(spec.redrive.deadLetterArn);
        const moved = { ...message, visibleAt: now, held: false };
        this.listOf(target).push(moved);
        this.options.onChange?.();
        if (target.deadLetters) this.options.onDeadLetter?.(target, moved);
        continue;
      }
      message.receiveCount++;
      message.firstReceivedAt ??= now;
      message.receiptHandle = randomUUID();
      message.visibleAt = now + this.scaled(spec.visibilityTimeoutSeconds);
      message.held = hold;
      received.push(message);
    }
    return received;
  }

  release(ref: string, receiptHandles: readonly string[]): void {
    for (const message of this.listOf(this.queue(ref))) {
      if (message.receiptHandle && receiptHandles.includes(message.receiptHandle)) {
        message.held = false;
      }
    }
  }

  changeVisibility(ref: string, receiptHandle: string, seconds: number): void {
    if (!Number.isInteger(seconds) || seconds < 0 || seconds > 43_200) {
      throw new SqsError('InvalidParameterValue', 'VisibilityTimeout must be 0 to 43200 seconds.');
    }
    this.byHandle(ref, receiptHandle).visibleAt = this.now() + this.scaled(seconds);
  }

  delete(ref: string, receiptHandle: string): void {
    const spec = this.queue(ref);
    const message = this.listOf(spec).find((m) => m.receiptHandle === receiptHandle);
    // SQS answers success for a message already deleted.
    if (message) {
      this.remove(spec, message);
      this.options.onChange?.();
    }
  }

  list(ref: string): readonly QueueMessage[] {
    return this.listOf(this.queue(ref));
  }

  /** Whether any message could be received now (visible, not held). */
  hasVisible(ref: string): boolean {
    const now = this.now();
    return this.listOf(this.queue(ref)).some((m) => !m.held && m.visibleAt <= now);
  }

  snapshotState(): Record<string, QueueMessage[]> {
    return Object.fromEntries(this.messages);
  }

  /** A queue duration on the local clock, in milliseconds. */
  scaled(seconds: number): number {
    return seconds * 1_000 * this.timeScale;
  }

  private byHandle(ref: string, receiptHandle: string): QueueMessage {
    const message = this.listOf(this.queue(ref)).find((m) => m.receiptHandle === receiptHandle);
    if (!message) {
      throw new SqsError(
        'ReceiptHandleIsInvalid',
        `The receipt handle ${receiptHandle} is not valid.`,
      );
    }
    return message;
  }

  private listOf(spec: LocalQueueSpec): QueueMessage[] {
    let list = this.messages.get(spec.name);
    if (!list) {
      list = [];
      this.messages.set(spec.name, list);
    }
    return list;
  }

  private remove(spec: LocalQueueSpec, message: QueueMessage): void {
    const list = this.listOf(spec);
    const index = list.indexOf(message);
    if (index >= 0) list.splice(index, 1);
  }
}
