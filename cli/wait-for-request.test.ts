import { describe, expect, it } from 'vitest';
import type { RequestStatus } from '../services/api/request-status';
import { requestStatus, T0 } from './fake-api.test-double';
import type { ProgressView } from './progress-view';
import { waitForRequest } from './wait-for-request';

const silent: ProgressView = { show: () => undefined };

describe('waitForRequest', () => {
  it('should count the time each poll takes against the deadline', async () => {
    // Prepare: every status call takes 20 s of the fake clock.
    let now = T0.getTime();
    const polledAt: number[] = [];
    const getRequestStatus = async (): Promise<RequestStatus> => {
      polledAt.push((now - T0.getTime()) / 1000);
      now += 20_000;
      return requestStatus('pending');
    };

    // Act
    const outcome = await waitForRequest(
      {
        getRequestStatus,
        clock: () => new Date(now),
        sleep: async (ms) => {
          now += ms;
        },
        view: silent,
      },
      { requestId: 'r-1', timeoutMs: 60_000, intervalMs: 10_000 },
    );

    // Assess
    expect(outcome.kind).toBe('deadline');
    expect(polledAt).toEqual([0, 30, 60]);
  });

  it('should never sleep past the deadline', async () => {
    let now = T0.getTime();
    const sleeps: number[] = [];

    await waitForRequest(
      {
        getRequestStatus: async () => requestStatus('creating'),
        clock: () => new Date(now),
        sleep: async (ms) => {
          sleeps.push(ms);
          now += ms;
        },
        view: silent,
      },
      { requestId: 'r-1', timeoutMs: 25_000, intervalMs: 10_000 },
    );

    expect(sleeps).toEqual([10_000, 10_000, 5_000]);
  });
});
