import type { Ec2Service } from '../ec2';
import { type LocalEndpoint, startLocalEndpoint } from '../endpoint';
import { journalRuleChanges } from '../events/rules-journal';
import { createEventsService } from '../events/service';
import { createInspectionService } from '../inspection';
import { saveAfterChanges, saveSnapshot } from '../persistence/save-after-changes';
import { createSfnService } from '../sfn/service';
import type { LocalTemplate } from '../template/local-template';
import type { WebhookSink } from '../webhook-sink';
import type { Engines } from './engines';
import type { StatePaths } from './state';

export interface EndpointSetup {
  readonly host: string;
  readonly port: number;
  readonly engines: Engines;
  readonly template: LocalTemplate;
  readonly sink: WebhookSink | undefined;
  readonly paths: StatePaths;
}

/**
 * The single AWS endpoint, serving every engine's API and the local cloud's inspection API. What
 * an EC2, SSM or rule-changing call changed is on disk before its answer goes out; the rule
 * changes are answered `replayRuleChanges` at the next start.
 */
export async function startAwsEndpoint(
  setup: EndpointSetup,
): Promise<{ endpoint: LocalEndpoint; replayRuleChanges: () => Promise<string[]> }> {
  const { engines, paths } = setup;
  const { ec2, bus, stepFunctions, sqs } = engines;
  const events = journalRuleChanges(
    createEventsService(bus, { scheduledRules: setup.template.rules }),
    paths.ruleChanges,
  );
  const endpoint = await startLocalEndpoint({
    host: setup.host,
    port: setup.port,
    services: {
      ec2: saveAfterChanges(
        afterEachRequest(ec2, () => engines.amiStateEvents.rearm()),
        () => saveSnapshot(paths.ec2, ec2.snapshotState()),
      ),
      events,
      sfn: createSfnService(stepFunctions),
      ssm: saveAfterChanges(engines.ssm, () =>
        saveSnapshot(paths.ssm, engines.ssm.snapshotState()),
      ),
      dynamodb: engines.dynamodb.service,
      // SQS answers GetQueueUrl with the endpoint's URL, known only once it has started.
      sqs: { handle: (request) => sqsService.handle(request) },
      local: createInspectionService({ bus, ec2, sink: () => setup.sink, stepFunctions }),
    },
  });
  const sqsService = sqs.service(endpoint.url);
  return { endpoint, replayRuleChanges: () => events.replay() };
}

/** Runs `after` once each request to `service` has been answered. */
function afterEachRequest(service: Ec2Service, after: () => void): Ec2Service {
  return Object.assign(Object.create(service) as Ec2Service, {
    handle: async (request: Parameters<Ec2Service['handle']>[0]) => {
      try {
        return await service.handle(request);
      } finally {
        after();
      }
    },
  });
}
