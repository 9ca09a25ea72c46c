import { describeIssues } from '../events/issues';
import * as z from '../events/zod';
import {
  errorBodySchema,
  type RequestStatus,
  requestStatusSchema,
} from '../services/api/request-status';
import {
  ApiRefusedError,
  ApiUnavailableError,
  ApiUnreachableError,
  UnexpectedAnswerError,
} from './api-errors';
import type { HttpCall, SignCall } from './sign-request';

/** The body of `POST /create-ami` (services/api/README.md). */
export interface CreateAmiBody {
  readonly instance_name_list: readonly string[];
  readonly request_id: string;
  readonly requested_by?: string;
  readonly no_reboot?: boolean;
}

/** The 202 answer of `POST /create-ami`. */
const acceptedSchema = z.looseObject({
  requestId: z.string(),
  instanceNames: z.array(z.string()),
});
export type Accepted = z.infer<typeof acceptedSchema>;

export interface ApiClient {
  requestAmis(body: CreateAmiBody): Promise<Accepted>;
  getRequestStatus(requestId: string): Promise<RequestStatus>;
}

export interface ApiClientDeps {
  readonly baseUrl: URL;
  readonly fetch: typeof fetch;
  /** Absent for the local cloud, which takes unsigned calls. */
  readonly sign?: SignCall;
}

export function createApiClient(deps: ApiClientDeps): ApiClient {
  const url = (path: string) => new URL(`${deps.baseUrl.pathname}${path}`, deps.baseUrl);
  const call = async <T>(request: HttpCall, schema: z.ZodMiniType<T>): Promise<T> => {
    const signed = deps.sign === undefined ? request : await deps.sign(request);
    let response: Response;
    let text: string;
    try {
      response = await deps.fetch(signed.url, {
        method: signed.method,
        headers: signed.headers,
        body: signed.body,
      });
      text = await response.text();
    } catch (error) {
      throw new ApiUnreachableError(
        `cannot reach ${request.url.origin}: ${describeNetworkError(error)}`,
        { cause: error },
      );
    }
    const where = `${request.method} ${request.url.pathname}`;
    if (response.ok) {
      const parsed = schema.safeParse(parseJson(text));
      if (parsed.success) return parsed.data;
      throw new UnexpectedAnswerError(
        `${where} answered ${response.status} with an unexpected body: ${describeIssues(parsed.error)}`,
      );
    }
    const message = `${where} answered ${response.status}: ${describeErrorBody(text, response)}`;
    if (response.status >= 500 || response.status === 429) throw new ApiUnavailableError(message);
    throw new ApiRefusedError(message, response.status);
  };
  return {
    requestAmis: (body) =>
      call(
        {
          method: 'POST',
          url: url('/create-ami'),
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(body),
        },
        acceptedSchema,
      ),
    getRequestStatus: (requestId) =>
      call(
        {
          method: 'GET',
          url: url(`/requests/${encodeURIComponent(requestId)}`),
          headers: { accept: 'application/json' },
        },
        requestStatusSchema,
      ),
  };
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's own message and the fields at fault, when the body follows its error contract. */
function describeErrorBody(text: string, response: Response): string {
  const parsed = errorBodySchema.safeParse(parseJson(text));
  if (!parsed.success) return response.statusText || 'no JSON error body';
  const fields = (parsed.data.errors ?? []).map((error) => `${error.field}: ${error.message}`);
  return fields.length === 0
    ? parsed.data.message
    : `${parsed.data.message} (${fields.join('; ')})`;
}

function describeNetworkError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  // fetch reports "fetch failed" and keeps what happened (ECONNREFUSED, ENOTFOUND) in `cause`.
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  return cause ?? error.message;
}
