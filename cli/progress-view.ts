import type { RequestStatus } from '../services/api/request-status';
import { describeDetail, describeName } from './describe-status';
import { formatDuration } from './duration';
import type { OutputStream } from './output-stream';

/** Shows a request's names while it is waited for. */
export interface ProgressView {
  show(status: RequestStatus, now: Date): void;
}

/**
 * On a terminal, one live line per name (state, elapsed since it was requested), redrawn in
 * place; elsewhere (CI logs, files) a plain line only when a name's state changes, so a log
 * stays short however long the wait.
 */
export function createProgressView(stream: OutputStream): ProgressView {
  return stream.isTTY === true ? liveView(stream) : changeView(stream);
}

function liveView(stream: OutputStream): ProgressView {
  let drawn = 0;
  return {
    show(status, now) {
      const width = Math.max(...status.names.map((name) => name.instanceName.length));
      const lines = status.names.map((name) => {
        const elapsed = formatDuration(now.getTime() - Date.parse(name.requestedAt));
        return `${name.instanceName.padEnd(width)}  ${name.state.padEnd(9)} ${elapsed.padStart(6)}${describeDetail(name)}`;
      });
      // Cursor up over the previous drawing, then each line cleared and rewritten.
      const up = drawn > 0 ? `\x1b[${drawn}A` : '';
      stream.write(`${up}${lines.map((line) => `\x1b[2K${line}\n`).join('')}`);
      drawn = lines.length;
    },
  };
}

function changeView(stream: OutputStream): ProgressView {
  const shown = new Map<string, string>();
  return {
    show(status) {
      for (const name of status.names) {
        const line = describeName(name);
        if (shown.get(name.instanceName) === name.state) continue;
        shown.set(name.instanceName, name.state);
        stream.write(`${line}\n`);
      }
    },
  };
}
