import { openApi, type TargetOptions } from './api-context';
import type { CliDeps } from './cli-deps';
import { describeRequest } from './describe-status';
import { EXIT, type ExitCode } from './exit-codes';
import { checkRequestId } from './wait-command';

export interface StatusOptions extends TargetOptions {
  readonly json?: boolean;
}

/** Prints a request's status once; the exit code says only whether the API answered. */
export async function runStatus(
  deps: CliDeps,
  requestId: string,
  options: StatusOptions,
): Promise<ExitCode> {
  checkRequestId(requestId);
  const { client } = await openApi(deps, options);
  const status = await client.getRequestStatus(requestId);
  if (options.json) deps.stdout.write(`${JSON.stringify(status, null, 2)}\n`);
  else
    deps.stdout.write(
      describeRequest(status, deps.clock())
        .map((line) => `${line}\n`)
        .join(''),
    );
  return EXIT.ok;
}
