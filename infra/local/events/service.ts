import { describeIssues } from '../../../events/issues';
import * as z from '../../../events/zod';
import {
  AwsJsonError,
  createJsonService,
  type JsonOperation,
  parseInput,
} from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import type { EventBus, RuleView } from './bus';
import { compileEventPattern, EventPatternError } from './event-pattern';
import { EventsApiError, type TargetSpec } from './model';

const busName = z.optional(z.string().check(z.minLength(1)));

const putEventsInput = z.object({
  Entries: z.array(
    z.object({
      Source: z.optional(z.string()),
      DetailType: z.optional(z.string()),
      Detail: z.optional(z.string()),
      EventBusName: busName,
      Resources: z.optional(z.array(z.string())),
      Time: z.optional(z.union([z.number(), z.string()])),
      TraceHeader: z.optional(z.string()),
    }),
  ),
});

const putRuleInput = z.object({
  Name: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/)),
  EventPattern: z.optional(z.string()),
  ScheduleExpression: z.optional(z.string()),
  State: z.optional(z.enum(['ENABLED', 'DISABLED'])),
  Description: z.optional(z.string()),
  EventBusName: busName,
});

const ruleRef = z.object({ Name: z.string(), EventBusName: busName });

const targetInput = z.object({
  Id: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/)),
  Arn: z.string().check(z.minLength(1)),
  Input: z.optional(z.string()),
  InputPath: z.optional(z.string()),
  RetryPolicy: z.optional(
    z.object({
      MaximumRetryAttempts: z.optional(z.int().check(z.minimum(0), z.maximum(185))),
      MaximumEventAgeInSeconds: z.optional(z.int().check(z.minimum(60), z.maximum(86_400))),
    }),
  ),
  DeadLetterConfig: z.optional(z.object({ Arn: z.optional(z.string()) })),
  InputTransformer: z.optional(
    z.object({
      InputPathsMap: z.optional(z.record(z.string(), z.string())),
      InputTemplate: z.string(),
    }),
  ),
});

const putTargetsInput = z.object({
  Rule: z.string(),
  EventBusName: busName,
  Targets: z.array(targetInput).check(z.minLength(1), z.maxLength(100)),
});

const removeTargetsInput = z.object({
  Rule: z.string(),
  EventBusName: busName,
  Ids: z.array(z.string()).check(z.minLength(1)),
});

const listRulesInput = z.object({ NamePrefix: z.optional(z.string()), EventBusName: busName });
const listTargetsInput = z.object({ Rule: z.string(), EventBusName: busName });
const describeBusInput = z.object({ Name: busName });
const listBusesInput = z.object({
  NamePrefix: z.optional(z.string()),
  Limit: z.optional(z.int().check(z.minimum(1), z.maximum(100))),
  NextToken: z.optional(z.string()),
});
const testPatternInput = z.object({ EventPattern: z.string(), Event: z.string() });
/** The fields TestEventPattern requires of its event (EventBridge API reference). */
const testedEvent = z.object({
  id: z.string(),
  account: z.string(),
  source: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  'detail-type': z.string(),
});
const apiDestinationInput = z.object({
  Name: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/)),
  InvocationEndpoint: z.url({ protocol: /^https?$/ }),
  HttpMethod: z.enum(['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']),
  ConnectionArn: z.optional(z.string()),
});

export interface EventsServiceOptions {
  /**
   * The template's scheduled rules. The local cloud runs each as a rule on the default bus matching
   * its own Scheduled Event; EventBridge describes such a rule by its schedule, without a pattern.
   */
  readonly scheduledRules?: ReadonlyArray<{
    readonly name: string;
    readonly scheduleExpression?: string;
  }>;
}

/**
 * Rules whose every target is the local cloud's own (`arn:aws:local:…`, e.g. its timeline) exist
 * only locally: the API hides them, so what a user lists is what the template deploys.
 */
function isLocalOnly(rule: RuleView): boolean {
  return (
    rule.targets.length > 0 && rule.targets.every((target) => target.arn.startsWith(LOCAL_ARN))
  );
}
const LOCAL_ARN = 'arn:aws:local:';

function describeRule(rule: RuleView, scheduleExpression: string | undefined) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    ...(scheduleExpression === undefined
      ? { EventPattern: JSON.stringify(rule.eventPattern) }
      : { ScheduleExpression: scheduleExpression }),
    State: rule.state,
    EventBusName: rule.eventBusName,
    ...(rule.description === undefined ? {} : { Description: rule.description }),
  };
}

function describeTarget(target: TargetSpec) {
  return {
    Id: target.id,
    Arn: target.arn,
    ...(target.input === undefined ? {} : { Input: target.input }),
    ...(target.inputPath === undefined ? {} : { InputPath: target.inputPath }),
    ...(target.inputTransformer === undefined
      ? {}
      : {
          InputTransformer: {
            InputPathsMap: target.inputTransformer.inputPathsMap,
            InputTemplate: target.inputTransformer.inputTemplate,
          },
        }),
    ...(target.retryPolicy
      ? {
          RetryPolicy: {
            MaximumRetryAttempts: target.retryPolicy.maximumRetryAttempts,
            MaximumEventAgeInSeconds: target.retryPolicy.maximumEventAgeInSeconds,
          },
        }
      : {}),
    ...(target.deadLetterArn ? { DeadLetterConfig: { Arn: target.deadLetterArn } } : {}),
  };
}

/** EventBridge's JSON 1.1 API (`X-Amz-Target: AWSEvents.*`) over an `EventBus`. */
export function createEventsService(
  bus: EventBus,
  options: EventsServiceOptions = {},
): LocalService {
  const rules = visibleRules(bus, options.scheduledRules ?? []);
  return createJsonService({
    targetPrefix: 'AWSEvents',
    contentType: 'application/x-amz-json-1.1',
    mapError: (error) =>
      error instanceof EventsApiError
        ? new AwsJsonError(error.code, error.message, error.statusCode)
        : undefined,
    operations: {
      PutEvents: (input) => bus.putEvents(parseInput(putEventsInput, input).Entries),
      ...ruleOperations(bus, rules),
      ...targetOperations(bus, rules),
      ...busOperations(bus),
      TestEventPattern: (input) => testEventPattern(parseInput(testPatternInput, input)),
    },
  });
}

/** The rules the API shows, as EventBridge describes them (scheduled ones by their schedule). */
interface VisibleRules {
  describe(rule: RuleView): ReturnType<typeof describeRule>;
  /** A rule the API may show: hidden ones answer as EventBridge answers a rule that does not exist. */
  get(name: string, eventBusName: string | undefined): RuleView;
}

function visibleRules(
  bus: EventBus,
  scheduledRules: NonNullable<EventsServiceOptions['scheduledRules']>,
): VisibleRules {
  const schedules = new Map(
    scheduledRules.flatMap((rule) =>
      rule.scheduleExpression === undefined ? [] : [[rule.name, rule.scheduleExpression] as const],
    ),
  );
  const scheduleOf = (rule: RuleView) =>
    rule.eventBusName === 'default' ? schedules.get(rule.name) : undefined;
  return {
    describe: (rule) => describeRule(rule, scheduleOf(rule)),
    get(name, eventBusName) {
      const rule = bus.describeRule(name, eventBusName);
      if (isLocalOnly(rule)) {
        throw new EventsApiError(
          'ResourceNotFoundException',
          `Rule ${name} does not exist on EventBus ${rule.eventBusName}.`,
        );
      }
      return rule;
    },
  };
}

function ruleOperations(bus: EventBus, rules: VisibleRules): Record<string, JsonOperation> {
  const { describe, get: visibleRule } = rules;
  return {
    PutRule(input) {
      const request = parseInput(putRuleInput, input);
      if (request.ScheduleExpression !== undefined) {
        throw new AwsJsonError(
          'ValidationException',
          'ScheduleExpression is not supported by the local cloud.',
        );
      }
      if (request.EventPattern === undefined) {
        throw new AwsJsonError(
          'ValidationException',
          'Parameter(s) EventPattern must be specified.',
        );
      }
      let pattern: unknown;
      try {
        pattern = JSON.parse(request.EventPattern);
      } catch {
        throw new AwsJsonError(
          'InvalidEventPatternException',
          'Event pattern is not valid. Reason: not valid JSON.',
        );
      }
      const rule = bus.putRule({
        name: request.Name,
        eventBusName: request.EventBusName,
        eventPattern: pattern as Record<string, unknown>,
        ...(request.State ? { state: request.State } : {}),
        ...(request.Description === undefined ? {} : { description: request.Description }),
      });
      return { RuleArn: rule.arn };
    },

    DescribeRule(input) {
      const request = parseInput(ruleRef, input);
      return describe(visibleRule(request.Name, request.EventBusName));
    },

    ListRules(input) {
      const request = parseInput(listRulesInput, input);
      const rules = bus.listRules(request.EventBusName, request.NamePrefix);
      return { Rules: rules.filter((rule) => !isLocalOnly(rule)).map(describe) };
    },

    DeleteRule(input) {
      const request = parseInput(ruleRef, input);
      visibleRule(request.Name, request.EventBusName);
      bus.deleteRule(request.Name, request.EventBusName);
    },
  };
}

function targetOperations(bus: EventBus, rules: VisibleRules): Record<string, JsonOperation> {
  const { get: visibleRule } = rules;
  return {
    PutTargets(input) {
      const request = parseInput(putTargetsInput, input);
      visibleRule(request.Rule, request.EventBusName);
      const failed: Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }> = [];
      const accepted = request.Targets.map(targetSpec);
      if (accepted.length > 0) bus.putTargets(request.Rule, accepted, request.EventBusName);
      return { FailedEntryCount: failed.length, FailedEntries: failed };
    },

    RemoveTargets(input) {
      const request = parseInput(removeTargetsInput, input);
      visibleRule(request.Rule, request.EventBusName);
      bus.removeTargets(request.Rule, request.Ids, request.EventBusName);
      return { FailedEntryCount: 0, FailedEntries: [] };
    },

    ListTargetsByRule(input) {
      const request = parseInput(listTargetsInput, input);
      return {
        Targets: visibleRule(request.Rule, request.EventBusName).targets.map(describeTarget),
      };
    },
  };
}

/** The buses themselves, and the API destinations their rules may target. */
function busOperations(bus: EventBus): Record<string, JsonOperation> {
  return {
    DescribeEventBus(input) {
      const name = bus.resolveEventBus(parseInput(describeBusInput, input).Name);
      return { Name: name, Arn: bus.eventBusArn(name) };
    },

    ListEventBuses(input) {
      const request = parseInput(listBusesInput, input);
      const names = bus
        .listEventBuses()
        .filter((name) => name.startsWith(request.NamePrefix ?? ''));
      const offset = request.NextToken === undefined ? 0 : decodeOffset(request.NextToken);
      const limit = request.Limit ?? 100;
      const page = names.slice(offset, offset + limit);
      return {
        EventBuses: page.map((name) => ({ Name: name, Arn: bus.eventBusArn(name) })),
        ...(offset + limit < names.length ? { NextToken: encodeOffset(offset + limit) } : {}),
      };
    },

    CreateApiDestination(input) {
      const request = parseInput(apiDestinationInput, input);
      const destination = bus.putApiDestination({
        name: request.Name,
        invocationEndpoint: request.InvocationEndpoint,
        httpMethod: request.HttpMethod,
      });
      return { ApiDestinationArn: destination.arn, ApiDestinationState: 'ACTIVE' };
    },
  };
}

/** A target of PutTargets as the bus takes it, with EventBridge's default retry policy. */
function targetSpec(target: z.infer<typeof targetInput>): TargetSpec {
  const retry = target.RetryPolicy;
  return {
    id: target.Id,
    arn: target.Arn,
    ...(target.Input === undefined ? {} : { input: target.Input }),
    ...(target.InputPath === undefined ? {} : { inputPath: target.InputPath }),
    ...(target.InputTransformer === undefined
      ? {}
      : {
          inputTransformer: {
            inputPathsMap: target.InputTransformer.InputPathsMap ?? {},
            inputTemplate: target.InputTransformer.InputTemplate,
          },
        }),
    ...(retry
      ? {
          retryPolicy: {
            maximumRetryAttempts: retry.MaximumRetryAttempts ?? 185,
            maximumEventAgeInSeconds: retry.MaximumEventAgeInSeconds ?? 86_400,
          },
        }
      : {}),
    ...(target.DeadLetterConfig?.Arn ? { deadLetterArn: target.DeadLetterConfig.Arn } : {}),
  };
}

/** Matches an event against a pattern with the rules' own matcher. */
function testEventPattern(request: z.infer<typeof testPatternInput>): { Result: boolean } {
  let matches: (event: unknown) => boolean;
  try {
    matches = compileEventPattern(request.EventPattern);
  } catch (error) {
    if (!(error instanceof EventPatternError)) throw error;
    throw new AwsJsonError(
      'InvalidEventPatternException',
      `Event pattern is not valid. Reason: ${error.message}`,
    );
  }
  let event: unknown;
  try {
    event = JSON.parse(request.Event);
  } catch {
    throw new AwsJsonError('ValidationException', 'Parameter Event is not valid JSON.');
  }
  const checked = testedEvent.safeParse(event);
  if (!checked.success) {
    throw new AwsJsonError(
      'ValidationException',
      `Parameter Event is not valid: ${describeIssues(checked.error)}`,
    );
  }
  return { Result: matches(event) };
}

function encodeOffset(offset: number): string {
  return Buffer.from(String(offset)).toString('base64url');
}

function decodeOffset(token: string): number {
  const offset = Number(Buffer.from(token, 'base64url').toString('utf8'));
  if (!Number.isInteger(offset) || offset < 0) {
    throw new AwsJsonError('ValidationException', 'The NextToken is not valid.');
  }
  return offset;
}
