import { Ec2Error } from './errors';

export interface BucketSize {
  /** Tokens the bucket holds when full: the burst a client may send. */
  capacity: number;
  /** Tokens added per second until full. */
  refillPerSecond: number;
}

export interface ThrottlingOptions {
  /** Multiplies every refill rate; 10 lets a benchmark run ten times faster than AWS allows. */
  rateScale?: number;
  /** Multiplies every bucket's capacity (default 1: AWS's burst sizes). */
  capacityScale?: number;
  /** Per-action sizes replacing the defaults, e.g. `{ DeregisterImage: { capacity: 5, refillPerSecond: 1 } }`. */
  buckets?: Readonly<Record<string, BucketSize>>;
}

/** AWS's request-rate buckets (EC2 API throttling documentation), per action and account. */
const NON_MUTATING: BucketSize = { capacity: 100, refillPerSecond: 20 };
const UNFILTERED_UNPAGINATED: BucketSize = { capacity: 50, refillPerSecond: 10 };
const MUTATING: BucketSize = { capacity: 50, refillPerSecond: 5 };
const ACTION_BUCKETS: Readonly<Record<string, BucketSize>> = {
  CreateImage: MUTATING,
  DeregisterImage: { capacity: 100, refillPerSecond: 5 },
  DeleteSnapshot: { capacity: 100, refillPerSecond: 5 },
  CreateTags: { capacity: 100, refillPerSecond: 10 },
};

/**
 * The bucket a request draws from. Each action has its own bucket, as on EC2; DescribeInstances
 * and DescribeSnapshots without any filter, id list or MaxResults draw from a separate, smaller
 * bucket (EC2's "unfiltered and unpaginated" category).
 */
export function bucketFor(
  action: string,
  unfilteredAndUnpaginated: boolean,
): { key: string; size: BucketSize } {
  if (
    unfilteredAndUnpaginated &&
    (action === 'DescribeInstances' || action === 'DescribeSnapshots')
  ) {
    return { key: `${action}:unfiltered-unpaginated`, size: UNFILTERED_UNPAGINATED };
  }
  const size =
    ACTION_BUCKETS[action] ?? (/^(Describe|Get|List)/.test(action) ? NON_MUTATING : MUTATING);
  return { key: action, size };
}

interface Bucket {
  tokens: number;
  atMs: number;
  capacity: number;
  refillPerMs: number;
}

/** Token buckets on the emulator's clock: a frozen test clock never refills. */
export class Throttle {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly options: ThrottlingOptions,
    private readonly now: () => number,
  ) {}

  /** Takes one token or throws `RequestLimitExceeded` (HTTP 503) as EC2 does. */
  take(action: string, unfilteredAndUnpaginated: boolean): void {
    const { key, size } = bucketFor(action, unfilteredAndUnpaginated);
    const nowMs = this.now();
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      const override = this.options.buckets?.[key] ?? this.options.buckets?.[action] ?? size;
      const capacity = override.capacity * (this.options.capacityScale ?? 1);
      bucket = {
        tokens: capacity,
        atMs: nowMs,
        capacity,
        refillPerMs: (override.refillPerSecond * (this.options.rateScale ?? 1)) / 1000,
      };
      this.buckets.set(key, bucket);
    }
    bucket.tokens = Math.min(
      bucket.capacity,
      bucket.tokens + Math.max(0, nowMs - bucket.atMs) * bucket.refillPerMs,
    );
    bucket.atMs = nowMs;
    if (bucket.tokens < 1) {
      throw new Ec2Error('RequestLimitExceeded', 'Request limit exceeded.', 503);
    }
    bucket.tokens -= 1;
  }
}
