import type { Ec2Service } from '../ec2';
import { type LocalEndpoint, startLocalEndpoint } from '../endpoint';
import { createEventsService } from '../events/service';
import { createInspectionService } from '../inspection';
import { createSfnService } from '../sfn/service';
import type { LocalTemplate } from '../template/local-template';
import type { WebhookSink } from '../webhook-sink';
import type { Engines } from './engines';

export interface EndpointSetup {
  readonly host: string;
  readonly port: number;
  readonly engines: Engines;
  readonly template: LocalTemplate;
  readonly sink: WebhookSink | undefined;
}

/** The single AWS endpoint, serving every engine's API and the local cloud's inspection API. */
export async function startAwsEndpoint(setup: EndpointSetup): Promise<LocalEndpoint> {
  const { engines } = setup;
  const { ec2, bus, stepFunctions, sqs } = engines;
  const endpoint = await startLocalEndpoint({
    host: setup.host,
    port: setup.port,
    services: {
      ec2: afterEachRequest(ec2, () => engines.amiStateEvents.rearm()),
      events: createEventsService(bus, { scheduledRules: setup.template.rules }),
      sfn: createSfnService(stepFunctions),
      ssm: engines.ssm,
      dynamodb: engines.dynamodb.service,
      // SQS answers GetQueueUrl with the endpoint's URL, known only once it has started.
      sqs: { handle: (request) => sqsService.handle(request) },
      local: createInspectionService({ bus, ec2, sink: () => setup.sink, stepFunctions }),
    },
  });
  const sqsService = sqs.service(endpoint.url);
  return endpoint;
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
