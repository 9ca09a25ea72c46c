import { instanceNameListSchema, requestIdSchema } from '../events/fields';
import { describeIssues } from '../events/issues';
import * as z from '../events/zod';
import type { Accepted, ApiClient, CreateAmiBody } from './api-client';
import { openApi, type TargetOptions } from './api-context';
import { ApiUnavailableError } from './api-errors';
import type { CliDeps } from './cli-deps';
import { EXIT, type ExitCode, UsageError } from './exit-codes';
import { runWait } from './wait-command';

export interface RequestOptions extends TargetOptions {
  readonly wait?: boolean;
  readonly timeout: number;
  /** From `--reboot` / `--no-reboot`; absent leaves the creator's NO_REBOOT setting. */
  readonly reboot?: boolean;
  readonly label?: string;
  readonly requestId?: string;
  readonly json?: boolean;
}

/** The API's own limits (services/api/create-ami-request.ts), checked before anything is sent. */
const bodySchema = z.object({
  instance_name_list: instanceNameListSchema,
  request_id: requestIdSchema,
  requested_by: z.optional(z.string().check(z.maxLength(256))),
  no_reboot: z.optional(z.boolean()),
});

/** A 503 means "not accepted, retry with the same request_id": the id makes the retry safe. */
const POST_ATTEMPTS = 3;
const POST_RETRY_DELAY_MS = 2_000;

/**
 * After our own POST was accepted, the status route may not know the request for a moment; a
 * 404 that lasts longer than this is real.
 */
const NOT_RECORDED_YET_MS = 60_000;

export async function runRequest(
  deps: CliDeps,
  names: string[],
  options: RequestOptions,
): Promise<ExitCode> {
  const body = parseBody({
    instance_name_list: names,
    request_id: options.requestId ?? deps.newRequestId(),
    requested_by: options.label,
    no_reboot: options.reboot === undefined ? undefined : !options.reboot,
  });
  const human = options.json ? deps.stderr : deps.stdout;
  const { client } = await openApi(deps, options);
  const accepted = await postWithRetries(deps, client, body);
  human.write(`requested ${accepted.requestId}: ${accepted.instanceNames.join(', ')}\n`);
  if (!options.wait) {
    if (options.json) deps.stdout.write(`${JSON.stringify(accepted, null, 2)}\n`);
    else human.write(`wait for it with: ami-lifecycle wait ${accepted.requestId}\n`);
    return EXIT.ok;
  }
  return runWait(deps, client, {
    requestId: accepted.requestId,
    timeoutMs: options.timeout,
    json: options.json,
    notFoundGraceMs: NOT_RECORDED_YET_MS,
  });
}

function parseBody(body: CreateAmiBody): CreateAmiBody {
  const parsed = bodySchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const message = describeIssues(parsed.error)
    .replaceAll('instance_name_list', 'NAME')
    .replaceAll('request_id', '--request-id')
    .replaceAll('requested_by', '--label');
  throw new UsageError(message, { cause: parsed.error });
}

async function postWithRetries(
  deps: CliDeps,
  client: ApiClient,
  body: CreateAmiBody,
): Promise<Accepted> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await client.requestAmis(body);
    } catch (error) {
      if (!(error instanceof ApiUnavailableError) || attempt >= POST_ATTEMPTS) throw error;
      deps.stderr.write(`${error.message}; retrying with request id ${body.request_id}\n`);
      await deps.sleep(POST_RETRY_DELAY_MS * attempt);
    }
  }
}
