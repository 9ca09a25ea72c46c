import { UsageError } from './exit-codes';

/** The local cloud's REST API (`npm start`, infra/local/main.ts: `--api-port`, default 3000). */
export const LOCAL_API_URL = 'http://127.0.0.1:3000/prod';
export const API_URL_ENV = 'AMI_LIFECYCLE_API_URL';
export const DEFAULT_STACK_NAME = 'ami-lifecycle';

export type TargetSource = 'option' | 'environment' | 'stack' | 'local-default';

export interface ApiTarget {
  /** The stage's base URL, without a trailing slash, e.g. `https://id.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly baseUrl: URL;
  readonly source: TargetSource;
  /** The local cloud is reached without signing, and its EC2 lives at the local AWS endpoint. */
  readonly local: boolean;
}

export interface TargetInputs {
  readonly apiUrl?: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly stackName: string;
  /** The API base URL from the stack's outputs, or undefined when there is no such stack. */
  readonly readStackApiUrl: (stackName: string) => Promise<string | undefined>;
}

/** `--api-url`, else `AMI_LIFECYCLE_API_URL`, else the stack's output, else the local cloud. */
export async function resolveApiTarget(inputs: TargetInputs): Promise<ApiTarget> {
  if (inputs.apiUrl !== undefined) return toTarget(inputs.apiUrl, 'option');
  const fromEnv = inputs.env[API_URL_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return toTarget(fromEnv, 'environment');
  const fromStack = await inputs.readStackApiUrl(inputs.stackName);
  if (fromStack !== undefined) return toTarget(fromStack, 'stack');
  return toTarget(LOCAL_API_URL, 'local-default');
}

export function describeTarget(target: ApiTarget, stackName: string): string {
  switch (target.source) {
    case 'option':
      return `${target.baseUrl} (--api-url)`;
    case 'environment':
      return `${target.baseUrl} (${API_URL_ENV})`;
    case 'stack':
      return `${target.baseUrl} (stack ${stackName})`;
    case 'local-default':
      return `${target.baseUrl} (the local cloud: no --api-url, no ${API_URL_ENV}, no stack ${stackName} found)`;
  }
}

function toTarget(text: string, source: TargetSource): ApiTarget {
  let url: URL;
  try {
    url = new URL(text);
  } catch (error) {
    throw new UsageError(`not a URL: ${text}`, { cause: error });
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UsageError(`the API URL must be http(s): ${text}`);
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  url.search = '';
  url.hash = '';
  return { baseUrl: url, source, local: isLocalHost(url.hostname) };
}

export function isLocalHost(hostname: string): boolean {
  return hostname === '127.0.0.1' || hostname === 'localhost' || hostname === '[::1]';
}
