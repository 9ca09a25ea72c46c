// Posts with node:http/node:https rather than fetch: on Node 24 the first fetch loads undici, about
// 10 ms of cold start, while the Secrets Manager client has already loaded node:https.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface WebhookRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** What delivery needs from the receiver's answer; the body is read and dropped. */
export interface WebhookAnswer {
  readonly status: number;
  readonly retryAfter: string | undefined;
}

/**
 * POSTs one request. Resolves as soon as the receiver's status and headers have arrived, as fetch
 * would: the status decides delivery, and a 2xx whose body then stalls must not be retried (the
 * message would arrive twice). The body is drained in the background so a keep-alive connection
 * can be reused. Rejects with the request's error: network errors carry a `code` (ECONNREFUSED,
 * ENOTFOUND…), an aborted request rejects with an AbortError whose `cause` is the signal's reason.
 */
export type PostWebhook = (request: WebhookRequest, signal: AbortSignal) => Promise<WebhookAnswer>;

/** Sent unless the request names its own: some receivers and their firewalls refuse requests without one. */
export const USER_AGENT = 'ami-lifecycle-notifier';

export const postWebhook: PostWebhook = (request, signal) =>
  new Promise((resolve, reject) => {
    let url: URL;
    try {
      url = new URL(request.url);
    } catch (error) {
      reject(error);
      return;
    }
    const send =
      url.protocol === 'https:' ? httpsRequest : url.protocol === 'http:' ? httpRequest : undefined;
    if (send === undefined) {
      // The protocol only: the URL itself is a secret.
      reject(
        Object.assign(
          new TypeError(
            `webhook URL protocol "${url.protocol}" is not supported; use https: or http:`,
          ),
          { code: 'ERR_INVALID_PROTOCOL' },
        ),
      );
      return;
    }
    const body = Buffer.from(request.body, 'utf8');
    const named = Object.keys(request.headers).some((name) => name.toLowerCase() === 'user-agent');
    const outgoing = send(
      url,
      {
        method: 'POST',
        headers: {
          ...(named ? {} : { 'user-agent': USER_AGENT }),
          ...request.headers,
          'content-length': String(body.length),
        },
        signal,
      },
      (response) => {
        // After the answer, a failure while draining changes nothing; it must not go unhandled.
        response.on('error', () => undefined);
        response.resume();
        resolve({ status: response.statusCode ?? 0, retryAfter: response.headers['retry-after'] });
      },
    );
    // Before the answer this rejects the attempt; after it, the promise is settled and it is a no-op.
    outgoing.on('error', reject);
    outgoing.end(body);
  });
