import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_REGION } from '../account';
import { EnvironmentBudget } from '../functions/environment-budget';
import { bundleFunctions } from '../functions/function-bundles';
import { LocalFunction } from '../functions/local-function';
import type { LocalSqs } from '../sqs/local-sqs';
import type { LocalFunctionSpec, LocalTemplate } from '../template/local-template';
import type { Timeline } from '../timeline';

/** The template's functions by ARN; each gets its instance once the endpoint it calls is up. */
export type LocalFunctions = Map<string, { spec: LocalFunctionSpec; instance?: LocalFunction }>;

export function listFunctions(template: LocalTemplate): LocalFunctions {
  return new Map(template.functions.map((spec) => [spec.arn, { spec }]));
}

export function functionNamed(functions: LocalFunctions, name: string): LocalFunction | undefined {
  return [...functions.values()].find(({ spec }) => spec.functionName === name)?.instance;
}

/**
 * Each function's bundle, built as the CDK app builds it for Lambda; once per version of the
 * sources, since a build takes seconds and a cached one nothing.
 */
export async function bundleTemplateFunctions(
  functions: LocalFunctions,
  timeline: Timeline,
): Promise<Map<string, string>> {
  const services = [...functions.values()].map(({ spec }) => spec.service);
  const started = performance.now();
  timeline({ kind: 'info', text: `bundling functions… ${services.join(', ')}` });
  const bundles = await bundleFunctions(services);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  timeline({
    kind: 'info',
    text: `functions bundled (${seconds} s; each environment starts on its first invocation)`,
  });
  return bundles;
}

export interface FunctionSetup {
  /** Each service's bundle (see `bundleTemplateFunctions`). */
  readonly bundles: ReadonlyMap<string, string>;
  /** How many execution environments all functions may hold at once. */
  readonly maxEnvironments: number;
  /** The AWS endpoint every function's SDK clients call. */
  readonly endpointUrl: string;
  /** Each function's log is appended to `<logs>/<service>.log`. */
  readonly logs: string;
  readonly sqs: LocalSqs;
  /** Where the notifier sends webhooks, as environment variables. */
  readonly webhookEnvironment: Record<string, string>;
}

/** Starts every function of the template with its environment pointed at the local cloud. */
export function startFunctions(functions: LocalFunctions, setup: FunctionSetup): void {
  const budget = new EnvironmentBudget(setup.maxEnvironments);
  for (const entry of functions.values()) {
    const { spec } = entry;
    entry.instance = new LocalFunction({
      functionName: spec.functionName,
      functionArn: spec.arn,
      entry: setup.bundles.get(spec.service) ?? spec.entry,
      budget,
      // Fair shares: one busy function (a purge after each AMI) cannot starve the others.
      maxConcurrency: Math.max(1, Math.ceil(setup.maxEnvironments / 2)),
      environment: functionEnvironment(spec, setup),
      timeoutSeconds: spec.timeoutSeconds,
      memoryMb: spec.memoryMb,
      logs: createWriteStream(join(setup.logs, `${spec.service}.log`), { flags: 'a' }),
    });
  }
}

export async function closeFunctions(functions: LocalFunctions): Promise<void> {
  await Promise.all([...functions.values()].map((entry) => entry.instance?.close()));
}

function functionEnvironment(
  spec: LocalFunctionSpec,
  setup: FunctionSetup,
): Record<string, string> {
  const environment: Record<string, string> = {
    ...spec.environment,
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    AWS_ENDPOINT_URL: setup.endpointUrl,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_LAMBDA_FUNCTION_NAME: spec.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(spec.memoryMb),
  };
  setup.sqs.localizeQueueUrls(environment, setup.endpointUrl);
  // Secrets Manager is not emulated: the notifier gets its target the simple way instead.
  if (spec.service === 'notifier') {
    delete environment.WEBHOOK_SECRET_ARN;
    Object.assign(environment, setup.webhookEnvironment);
  }
  return environment;
}
