import { mkdir, symlink } from 'node:fs/promises';
import { join } from 'node:path';
import { LOCAL_ACCOUNT, LOCAL_REGION, type SynthesizedFunction } from './synthesized-app';

/**
 * The packages the `nodejs24.x` runtime provides (AWS SDK v3 and what it is built from). A bundle
 * that leaves them external must find them, and nothing else, beside it, as on Lambda.
 */
const RUNTIME_PROVIDED_SCOPES = ['@aws-sdk', '@smithy', '@aws-crypto'];

/**
 * Makes `dir/node_modules` resolve the runtime-provided packages from the project's installation,
 * so any bundle placed under `dir` loads as it would on Lambda. Symlinked packages resolve their
 * own dependencies from their real location.
 */
export async function provideRuntimePackages(projectRoot: string, dir: string): Promise<void> {
  const modules = join(dir, 'node_modules');
  await mkdir(modules, { recursive: true });
  for (const scope of RUNTIME_PROVIDED_SCOPES) {
    await symlink(join(projectRoot, 'node_modules', scope), join(modules, scope), 'dir');
  }
}

export interface LocalLambdaOptions {
  /** For `AWS_ENDPOINT_URL`: every SDK client of the function calls it. */
  readonly endpointUrl: string;
  /** The directory the handler module is in (`/var/task` on Lambda). */
  readonly taskRoot: string;
  /** An empty directory, so no shared AWS config or credentials of this machine are read. */
  readonly home: string;
}

/**
 * The environment of `fn` as Lambda would give it: the runtime's reserved variables, the
 * template's variables (with local values), dummy credentials and the local endpoint. Nothing is
 * inherited from the bench's own environment.
 */
export function lambdaEnvironment(
  fn: SynthesizedFunction,
  options: LocalLambdaOptions,
): Record<string, string> {
  const functionName = `ami-lifecycle-${fn.service}`;
  return {
    AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs24.x',
    AWS_LAMBDA_FUNCTION_NAME: functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: '2025/06/05/[$LATEST]0123456789abcdef0123456789abcdef',
    AWS_LAMBDA_LOG_FORMAT: 'JSON',
    AWS_REGION: LOCAL_REGION,
    AWS_DEFAULT_REGION: LOCAL_REGION,
    LAMBDA_TASK_ROOT: options.taskRoot,
    TZ: ':UTC',
    LANG: 'en_US.UTF-8',
    HOME: options.home,
    AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
    AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
    AWS_SESSION_TOKEN: 'local-session-token',
    AWS_ENDPOINT_URL: options.endpointUrl,
    ...fn.environment,
  };
}

/** The Lambda context fields a handler reads; `getRemainingTimeInMillis` is added in the child. */
export function lambdaContextFields(fn: SynthesizedFunction) {
  const functionName = `ami-lifecycle-${fn.service}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${LOCAL_REGION}:${LOCAL_ACCOUNT}:function:${functionName}`,
    memoryLimitInMB: String(fn.memorySize),
    awsRequestId: '3f2a1b4c-5d6e-4f70-8a9b-0c1d2e3f4a5b',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2025/06/05/[$LATEST]0123456789abcdef0123456789abcdef',
    timeoutMs: fn.timeoutSeconds * 1000,
  };
}
