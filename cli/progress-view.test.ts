import { describe, expect, it } from 'vitest';
import {
  AVAILABLE_API,
  CollectedOutput,
  nameStatus,
  requestStatus,
  T0,
} from './fake-api.test-double';
import { createProgressView } from './progress-view';

const at = (seconds: number) => new Date(T0.getTime() + seconds * 1000);
const worker = (state: 'creating' | 'pending') =>
  nameStatus({ instanceName: 'service-worker', state });

describe('createProgressView', () => {
  it('should redraw one live line per name in place on a terminal', async () => {
    // Prepare
    const terminal = new CollectedOutput(true);
    const view = createProgressView(terminal);

    // Act
    view.show(
      requestStatus('creating', [nameStatus({ state: 'creating' }), worker('creating')]),
      at(5),
    );
    view.show(requestStatus('pending', [AVAILABLE_API, worker('pending')]), at(250));

    // Assess: the second drawing moves up over the first two lines and clears each.
    const clear = '\x1b[2K';
    const [first, second] = terminal.text.split('\x1b[2A');
    expect(first?.split(clear)).toHaveLength(3);
    expect(second).toBe(
      `${clear}service-api     available  4m10s ami-0123456789abcdef0 (service-api-Deploy-2025-06-20_03_00)\n` +
        `${clear}service-worker  pending    4m10s\n`,
    );
  });

  it('should write plain lines only when a name changes state elsewhere', async () => {
    // Prepare
    const log = new CollectedOutput(false);
    const view = createProgressView(log);

    // Act
    view.show(
      requestStatus('creating', [nameStatus({ state: 'creating' }), worker('creating')]),
      at(5),
    );
    view.show(
      requestStatus('creating', [nameStatus({ state: 'creating' }), worker('creating')]),
      at(15),
    );
    view.show(requestStatus('pending', [AVAILABLE_API, worker('creating')]), at(25));

    // Assess
    expect(log.text).toBe(
      [
        'service-api: creating',
        'service-worker: creating',
        'service-api: available ami-0123456789abcdef0 (service-api-Deploy-2025-06-20_03_00)',
        '',
      ].join('\n'),
    );
    expect(log.text).not.toContain('\x1b[');
  });
});
