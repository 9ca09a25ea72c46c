/** A Step Functions API error, answered with its code as `__type` and HTTP 400. */
export class SfnApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'SfnApiError';
  }
}
