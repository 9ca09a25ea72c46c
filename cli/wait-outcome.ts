import { describeName } from './describe-status';
import { formatDuration } from './duration';
import { EXIT, type ExitCode } from './exit-codes';
import type { OutputStream } from './output-stream';
import type { WaitOutcome } from './wait-for-request';

export interface OutcomeOutput {
  /** Where people read the result: stdout, or stderr when `--json` keeps stdout for scripts. */
  readonly human: OutputStream;
  /** Set with `--json`: the final RequestStatus goes here as one JSON document. */
  readonly json?: OutputStream;
}

/** Prints how a wait ended and returns the exit code: 0 all available, 1 failed or deadline. */
export function reportOutcome(
  outcome: WaitOutcome,
  timeoutMs: number,
  output: OutcomeOutput,
): ExitCode {
  const { status } = outcome;
  if (output.json !== undefined && status !== undefined) {
    output.json.write(`${JSON.stringify(status, null, 2)}\n`);
  }
  switch (outcome.kind) {
    case 'available':
      output.human.write(`request ${outcome.status.requestId}: every name is available\n`);
      return EXIT.ok;
    case 'failed': {
      const failed = outcome.status.names.filter((name) => name.state === 'failed');
      output.human.write(
        `request ${outcome.status.requestId} failed:\n${failed.map((name) => `  ${describeName(name)}\n`).join('')}`,
      );
      return EXIT.failed;
    }
    case 'deadline': {
      const open = (status?.names ?? []).filter(
        (name) => name.state !== 'available' && name.state !== 'failed',
      );
      const lines = open.map((name) => `  ${describeName(name)}\n`).join('');
      const last =
        outcome.lastError === undefined ? '' : `  last error: ${outcome.lastError.message}\n`;
      output.human.write(
        `deadline passed after ${formatDuration(timeoutMs)}, still waiting for:\n${lines}${last}`,
      );
      return EXIT.failed;
    }
  }
}
