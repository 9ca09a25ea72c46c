import { SFNClient } from '@aws-sdk/client-sfn';
import { startLocalEndpoint } from '../../../infra/local/endpoint';
import { createSfnService } from '../../../infra/local/sfn/service';
import type { StepFunctions } from '../../../infra/local/sfn/step-functions';

/**
 * Serves local Step Functions on a free loopback port and gives the unchanged SDK client for it
 * (one attempt per call, so an error answer is seen as sent). `close` stops both and the engine.
 */
export async function serveStepFunctions(stepFunctions: StepFunctions) {
  const endpoint = await startLocalEndpoint({
    port: 0,
    services: { sfn: createSfnService(stepFunctions) },
  });
  const client = new SFNClient({
    endpoint: endpoint.url,
    region: 'ap-northeast-2',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
  });
  return {
    client,
    async close() {
      client.destroy();
      await stepFunctions.close();
      await endpoint.close();
    },
  };
}
