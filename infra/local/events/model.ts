/** The event EventBridge hands to targets: the envelope every consumer parses. */
export interface EventEnvelope {
  readonly version: '0';
  readonly id: string;
  readonly 'detail-type': string;
  readonly source: string;
  readonly account: string;
  readonly time: string;
  readonly region: string;
  readonly resources: readonly string[];
  readonly detail: Record<string, unknown>;
}

/** `RetryPolicy` of a rule target, in AWS units (the bus scales the age budget down locally). */
export interface RetryPolicy {
  /** Retries after the first attempt, 0–185. */
  readonly maximumRetryAttempts: number;
  /** 60–86,400 seconds. */
  readonly maximumEventAgeInSeconds: number;
}

/** AWS's defaults for a target without a retry policy: 24 hours and 185 retries. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maximumRetryAttempts: 185,
  maximumEventAgeInSeconds: 86_400,
};

export interface TargetSpec {
  readonly id: string;
  readonly arn: string;
  /** A constant JSON text sent instead of the event (the target's `Input`). */
  readonly input?: string;
  /** A JSONPath (`$` or `$.a.b`) selecting the part of the event sent (the target's `InputPath`). */
  readonly inputPath?: string;
  /**
   * The target's `InputTransformer`: variables read from the event by JSONPath, and a template
   * that uses them as `<name>` (see target-input.ts for what is supported).
   */
  readonly inputTransformer?: {
    readonly inputPathsMap: Readonly<Record<string, string>>;
    readonly inputTemplate: string;
  };
  readonly retryPolicy?: RetryPolicy;
  /** Where AWS would send the failed event (an SQS queue ARN); recorded with the dead letter. */
  readonly deadLetterArn?: string;
}

export interface RuleSpec {
  readonly name: string;
  readonly eventBusName?: string;
  readonly eventPattern: Record<string, unknown>;
  readonly description?: string;
  readonly state?: 'ENABLED' | 'DISABLED';
  readonly targets?: readonly TargetSpec[];
}

/** A target as invoked: the spec plus the rule and bus it belongs to. */
export interface RuleTarget extends TargetSpec {
  readonly ruleName: string;
  readonly ruleArn: string;
  readonly eventBusName: string;
}

/** What a target receives: the event, or what `input`/`inputPath` make of it. */
export type TargetInvoker = (
  target: RuleTarget,
  input: unknown,
  event: EventEnvelope,
) => Promise<void>;

/** A delivery that exhausted its retries (or failed without a retry), kept so nothing is lost. */
export interface DeadLetter {
  readonly target: RuleTarget;
  readonly event: EventEnvelope;
  readonly error: { readonly code: string; readonly message: string };
  readonly attempts: number;
  readonly deadLetteredAt: string;
  /** What a dead-letter queue target received (e.g. `{ reason, event }`), when a rule sent it there. */
  readonly input?: unknown;
}

/**
 * Thrown by an invoker to say how a delivery failed. `retryable: false` dead-letters at once, as
 * EventBridge does for errors a retry cannot fix (e.g. an HTTP 400 from an API destination).
 */
export class TargetInvocationError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable = true,
  ) {
    super(message);
    this.name = 'TargetInvocationError';
  }
}

/** A whole-call failure of an EventBridge API, answered as AWS does (`__type`, HTTP status). */
export class EventsApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'EventsApiError';
  }
}
