import { describe, expect, it } from 'vitest';
import { nextScheduledRun } from '../../infra/local/schedule';

const at = (iso: string) => new Date(iso);

describe('nextScheduledRun', () => {
  it('should run a daily cron at its next UTC hour and minute', () => {
    expect(nextScheduledRun('cron(0 3 * * ? *)', at('2025-06-05T12:00:00Z'))).toEqual(
      at('2025-06-06T03:00:00Z'),
    );
    expect(nextScheduledRun('cron(0 3 * * ? *)', at('2025-06-05T02:59:30Z'))).toEqual(
      at('2025-06-05T03:00:00Z'),
    );
  });

  it('should run an hourly cron and a rate expression', () => {
    expect(nextScheduledRun('cron(15 * * * ? *)', at('2025-06-05T12:20:00Z'))).toEqual(
      at('2025-06-05T13:15:00Z'),
    );
    expect(nextScheduledRun('rate(5 minutes)', at('2025-06-05T12:00:00Z'))).toEqual(
      at('2025-06-05T12:05:00Z'),
    );
    expect(nextScheduledRun('rate(1 day)', at('2025-06-05T12:00:00Z'))).toEqual(
      at('2025-06-06T12:00:00Z'),
    );
  });

  it('should say nothing runs for an expression it does not emulate', () => {
    expect(nextScheduledRun('cron(0 3 ? * MON-FRI *)', at('2025-06-05T12:00:00Z'))).toBeUndefined();
  });
});
