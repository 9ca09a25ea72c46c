import type { Ec2Service } from './ec2';
import type { EventBus } from './events/bus';
import type { LocalRequest, LocalResponse, LocalService } from './protocol';
import type { StepFunctions } from './sfn/step-functions';
import type { WebhookSink } from './webhook-sink';

/**
 * The local cloud's own read-only API under `/_local/` on the AWS endpoint, so tests and users can
 * see over HTTP what AWS would show in other consoles: every event on the bus, dead letters (with
 * their reasons), the notifications the built-in sink received, and executions.
 */
export function createInspectionService(deps: {
  bus: EventBus;
  ec2: Ec2Service;
  sink: () => WebhookSink | undefined;
  stepFunctions: StepFunctions;
}): LocalService {
  return {
    async handle(request: LocalRequest): Promise<LocalResponse> {
      const path = request.path.split('?')[0];
      switch (path) {
        case '/_local/events':
          return json(deps.bus.events());
        case '/_local/dead-letters':
          return json(deps.bus.deadLetters());
        case '/_local/ec2-stats':
          return json(deps.ec2.stats());
        case '/_local/webhooks':
          return json(deps.sink()?.received ?? []);
        case '/_local/executions':
          return json(
            deps.stepFunctions.listStateMachines().flatMap(
              (machine) =>
                deps.stepFunctions.listExecutions({
                  stateMachineArn: machine.arn,
                  maxResults: 1000,
                }).executions,
            ),
          );
        default:
          return {
            statusCode: 404,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              message:
                'unknown local path; try /_local/events, /_local/dead-letters, /_local/webhooks, /_local/executions, /_local/ec2-stats',
            }),
          };
      }
    },
  };
}

function json(value: unknown): LocalResponse {
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(value),
  };
}
