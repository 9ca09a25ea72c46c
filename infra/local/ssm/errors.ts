/** An error Parameter Store would answer with: its code (`__type`), message and HTTP status. */
export class SsmError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly statusCode = 400,
  ) {
    super(message);
    this.name = 'SsmError';
  }
}

export const validationError = (message: string): SsmError =>
  new SsmError('ValidationException', message);

export const parameterNotFound = (name: string): SsmError =>
  new SsmError('ParameterNotFound', `Parameter ${name} not found.`);
