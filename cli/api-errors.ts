import { CliError, EXIT } from './exit-codes';

/**
 * The API could not answer now: a 5xx, a 429 or a network error. Waiting retries it until the
 * deadline; a single command reports it (exit 2).
 */
export class ApiUnavailableError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.usage, options);
    this.name = 'ApiUnavailableError';
  }
}

/** No HTTP answer at all (refused connection, unknown host, reset): nothing answered at the URL. */
export class ApiUnreachableError extends ApiUnavailableError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ApiUnreachableError';
  }
}

/** The API refused the call (400, 401, 403, 404, …): retrying the same call cannot help. */
export class ApiRefusedError extends CliError {
  constructor(
    message: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(message, EXIT.usage, options);
    this.name = 'ApiRefusedError';
  }
}

/** A 2xx whose body does not follow the API's contract. */
export class UnexpectedAnswerError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.usage, options);
    this.name = 'UnexpectedAnswerError';
  }
}
