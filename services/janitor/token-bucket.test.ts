import { describe, expect, it } from 'vitest';
import { FakeTime } from './janitor.fixtures';
import { TokenBucket } from './token-bucket';

describe('TokenBucket', () => {
  it('should hand out the burst at once and then one token per 1/rate seconds', async () => {
    const time = new FakeTime();
    const bucket = new TokenBucket(5, 10, time);
    const takenAt: number[] = [];

    for (let index = 0; index < 40; index++) {
      await bucket.take();
      takenAt.push(time.now());
    }

    expect(takenAt.slice(0, 10)).toEqual(Array(10).fill(0));
    expect(takenAt.at(-1)).toBeCloseTo(6_000, 0);
    // Never more than capacity + rate × t tokens by any moment t.
    for (const [index, at] of takenAt.entries()) {
      expect(index + 1).toBeLessThanOrEqual(10 + (at / 1000) * 5 + 1e-6);
    }
  });

  it('should start empty when told to, as a continuation does after the previous part drained EC2', async () => {
    const time = new FakeTime();
    const bucket = new TokenBucket(5, 100, time, 0);
    await bucket.take();
    expect(time.now()).toBeCloseTo(200, 5);
  });

  it('should wait a full refill after EC2 throttled a call', async () => {
    const time = new FakeTime();
    const bucket = new TokenBucket(5, 100, time);
    bucket.drain();
    await bucket.take();
    expect(time.now()).toBeCloseTo(200, 5);
  });

  it('should serve concurrent takers one at a time', async () => {
    const time = new FakeTime();
    const bucket = new TokenBucket(10, 1, time);
    await Promise.all([bucket.take(), bucket.take(), bucket.take()]);
    expect(time.now()).toBeCloseTo(200, 5);
  });
});
