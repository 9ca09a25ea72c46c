/**
 * The local cloud serves every emulated AWS service from one loopback endpoint. Each service is a
 * plain function from a request to a response, so services can be tested without a socket and the
 * endpoint only has to route: `X-Amz-Target: AWSEvents.*` to EventBridge, `AWSStepFunctions.*`
 * to Step Functions, and form-encoded `Action=...` bodies to EC2.
 */
export interface LocalRequest {
  readonly method: string;
  readonly path: string;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LocalResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

export interface LocalService {
  handle(request: LocalRequest): Promise<LocalResponse>;
}
