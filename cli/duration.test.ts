import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from './duration';

describe('parseDuration', () => {
  it.each([
    ['90m', 5_400_000],
    ['2h', 7_200_000],
    ['45s', 45_000],
    ['1h30m', 5_400_000],
  ])('should read %s as %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '90', 'm', '1.5h', '-5m', '0s', '30m1h'])('should refuse %j', (text) => {
    expect(() => parseDuration(text)).toThrow(InvalidArgumentError);
  });
});

describe('formatDuration', () => {
  it.each([
    [12_000, '12s'],
    [245_000, '4m05s'],
    [3_720_000, '1h02m'],
  ])('should show %d ms as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
