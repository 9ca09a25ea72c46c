/** What a pipeline may branch on; documented in the README. */
export const EXIT = {
  /** Every name is available (or the command did what it was asked). */
  ok: 0,
  /** A name failed, or the deadline passed before every name ended. */
  failed: 1,
  /** Bad usage, refused authorisation, an unknown request id, an unreachable API. */
  usage: 2,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports as one line on stderr, then exits with `exitCode`. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'CliError';
  }
}

export class UsageError extends CliError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, EXIT.usage, options);
    this.name = 'UsageError';
  }
}
