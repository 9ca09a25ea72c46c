import { type ApiClient, createApiClient } from './api-client';
import { ApiUnreachableError } from './api-errors';
import type { CliDeps } from './cli-deps';
import { type ApiTarget, describeTarget, resolveApiTarget } from './target';

export interface TargetOptions {
  readonly apiUrl?: string;
  readonly stackName: string;
}

export interface ApiContext {
  readonly target: ApiTarget;
  readonly client: ApiClient;
}

/** The API client for the resolved target; calls to AWS are SigV4-signed, local ones are not. */
export async function openApi(deps: CliDeps, options: TargetOptions): Promise<ApiContext> {
  const target = await resolveApiTarget({
    apiUrl: options.apiUrl,
    env: deps.env,
    stackName: options.stackName,
    readStackApiUrl: deps.readStackApiUrl,
  });
  const sign = target.local ? undefined : await deps.signerFor(target.baseUrl);
  const client = createApiClient({ baseUrl: target.baseUrl, fetch: deps.fetch, sign });
  return { target, client: explainUnreachable(client, describeTarget(target, options.stackName)) };
}

/** An unreachable API names the target and how it was chosen, the usual cause of the surprise. */
function explainUnreachable(client: ApiClient, target: string): ApiClient {
  const explain = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      if (error instanceof ApiUnreachableError) {
        throw new ApiUnreachableError(`${error.message}; target: ${target}`, { cause: error });
      }
      throw error;
    }
  };
  return {
    requestAmis: (body) => explain(() => client.requestAmis(body)),
    getRequestStatus: (requestId) => explain(() => client.getRequestStatus(requestId)),
  };
}
