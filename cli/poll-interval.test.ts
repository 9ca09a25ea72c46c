import { describe, expect, it } from 'vitest';
import { DEFAULT_POLL_INTERVAL_MS, PollIntervalError, pollIntervalFrom } from './poll-interval';

describe('pollIntervalFrom', () => {
  it('should poll every 10 s unless told otherwise', () => {
    expect(pollIntervalFrom({})).toBe(DEFAULT_POLL_INTERVAL_MS);
    expect(pollIntervalFrom({ AMI_LIFECYCLE_POLL_INTERVAL: '' })).toBe(10_000);
  });

  it('should read AMI_LIFECYCLE_POLL_INTERVAL as a duration', () => {
    expect(pollIntervalFrom({ AMI_LIFECYCLE_POLL_INTERVAL: '2s' })).toBe(2_000);
    expect(pollIntervalFrom({ AMI_LIFECYCLE_POLL_INTERVAL: '1m' })).toBe(60_000);
  });

  it('should refuse a value that is no duration, naming the variable', () => {
    expect(() => pollIntervalFrom({ AMI_LIFECYCLE_POLL_INTERVAL: 'soon' })).toThrow(
      PollIntervalError,
    );
    expect(() => pollIntervalFrom({ AMI_LIFECYCLE_POLL_INTERVAL: '0s' })).toThrow(
      /AMI_LIFECYCLE_POLL_INTERVAL: expected a duration/,
    );
  });
});
