import * as z from '../../../events/zod';
import { AwsJsonError, createJsonService, parseInput } from '../endpoint/json-protocol';
import type { LocalService } from '../protocol';
import type { EventBus, RuleView } from './bus';
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
const apiDestinationInput = z.object({
  Name: z.string().check(z.regex(/^[.\-_A-Za-z0-9]{1,64}$/)),
  InvocationEndpoint: z.url({ protocol: /^https?$/ }),
  HttpMethod: z.enum(['POST', 'GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE']),
  ConnectionArn: z.optional(z.string()),
});

function describeRule(rule: RuleView) {
  return {
    Name: rule.name,
    Arn: rule.arn,
    EventPattern: JSON.stringify(rule.eventPattern),
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
export function createEventsService(bus: EventBus): LocalService {
  return createJsonService({
    targetPrefix: 'AWSEvents',
    contentType: 'application/x-amz-json-1.1',
    mapError: (error) =>
      error instanceof EventsApiError
        ? new AwsJsonError(error.code, error.message, error.statusCode)
        : undefined,
    operations: {
      PutEvents: (input) => bus.putEvents(parseInput(putEventsInput, input).Entries),

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
        return describeRule(bus.describeRule(request.Name, request.EventBusName));
      },

      ListRules(input) {
        const request = parseInput(listRulesInput, input);
        return { Rules: bus.listRules(request.EventBusName, request.NamePrefix).map(describeRule) };
      },

      DeleteRule(input) {
        const request = parseInput(ruleRef, input);
        bus.deleteRule(request.Name, request.EventBusName);
      },

      PutTargets(input) {
        const request = parseInput(putTargetsInput, input);
        const failed: Array<{ TargetId: string; ErrorCode: string; ErrorMessage: string }> = [];
        const accepted: TargetSpec[] = [];
        for (const target of request.Targets) {
          const retry = target.RetryPolicy;
          accepted.push({
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
          });
        }
        if (accepted.length > 0) bus.putTargets(request.Rule, accepted, request.EventBusName);
        return { FailedEntryCount: failed.length, FailedEntries: failed };
      },

      RemoveTargets(input) {
        const request = parseInput(removeTargetsInput, input);
        bus.removeTargets(request.Rule, request.Ids, request.EventBusName);
        return { FailedEntryCount: 0, FailedEntries: [] };
      },

      ListTargetsByRule(input) {
        const request = parseInput(listTargetsInput, input);
        return {
          Targets: bus.describeRule(request.Rule, request.EventBusName).targets.map(describeTarget),
        };
      },

      DescribeEventBus(input) {
        const name = bus.resolveEventBus(parseInput(describeBusInput, input).Name);
        return { Name: name, Arn: bus.eventBusArn(name) };
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
    },
  });
}
