import { LOCAL_ACCOUNT_ID } from '../account';
import { type LocalApiGateway, startApiGateway } from '../api-gateway';
import type { LocalTemplate } from '../template/local-template';
import type { Timeline } from '../timeline';
import type { LocalFunctions } from './functions';

export interface GatewaySetup {
  readonly host: string;
  readonly port: number;
  readonly template: LocalTemplate;
  readonly functions: LocalFunctions;
  readonly timeline: Timeline;
}

/** The template's REST API, each route invoking its local function; requests go on the timeline. */
export function startLocalGateway(setup: GatewaySetup): Promise<LocalApiGateway> {
  const { template, functions, timeline } = setup;
  const apiFunctions = new Map(template.functions.map((spec) => [spec.logicalId, spec.arn]));
  return startApiGateway({
    host: setup.host,
    accountId: LOCAL_ACCOUNT_ID,
    port: setup.port,
    routes: template.routes.map((route) => ({
      ...route,
      invoke: (event) => {
        const fn = functions.get(apiFunctions.get(route.functionLogicalId) ?? '')?.instance;
        if (!fn) throw new Error(`no function for ${route.method} ${route.resourcePath}`);
        return fn.invoke(event);
      },
    })),
    onRequest: ({ method, path, statusCode }) =>
      timeline({ kind: 'api', text: `${method} ${path} → ${statusCode}` }),
  });
}

/** The URL of the API's first route (`/prod/create-ami`), or the gateway's if it has none. */
export function createAmiUrl(gateway: LocalApiGateway, template: LocalTemplate): string {
  const route = template.routes[0];
  return route ? `${gateway.url}/${route.stage}${route.resourcePath}` : gateway.url;
}
