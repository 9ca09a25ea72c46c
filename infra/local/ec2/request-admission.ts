import { Ec2Error } from './errors';
import type { QueryParams } from './query-params';
import { Throttle, type ThrottlingOptions } from './throttling';

/** Makes the next `times` calls of `action` fail with this error (e.g. to test a caller's retry). */
export interface InjectedFailure {
  action: string;
  code: string;
  message?: string;
  statusCode?: number;
  times?: number;
}

export interface Ec2Stats {
  /** Requests per action, throttled ones included. */
  calls: Record<string, number>;
  /** Requests per action answered with RequestLimitExceeded. */
  throttled: Record<string, number>;
}

/** Parameters that make a request filtered or paginated, which EC2 throttles more leniently. */
const NARROWING_PARAMETERS = [
  'Filter',
  'MaxResults',
  'NextToken',
  'InstanceId',
  'SnapshotId',
  'Owner',
];

/**
 * What may refuse a request before its action runs, in EC2's order: throttling (counted in the
 * statistics), injected failures, an action the fixture refuses, and DryRun.
 */
export function createRequestAdmission(
  throttling: false | ThrottlingOptions | undefined,
  now: () => number,
) {
  const newThrottle = () =>
    throttling === false ? undefined : new Throttle(throttling ?? {}, now);
  let throttle = newThrottle();
  let stats: Ec2Stats = { calls: {}, throttled: {} };
  const failures: InjectedFailure[] = [];

  const throttleRequest = (action: string, params: QueryParams): void => {
    if (!throttle) return;
    const unfilteredAndUnpaginated = !NARROWING_PARAMETERS.some((name) => params.has(name));
    try {
      throttle.take(action, unfilteredAndUnpaginated);
    } catch (error) {
      stats.throttled[action] = (stats.throttled[action] ?? 0) + 1;
      throw error;
    }
  };

  const raiseInjectedFailure = (action: string): void => {
    const injected = failures.findIndex((failure) => failure.action === action);
    if (injected < 0) return;
    const failure = failures[injected] as InjectedFailure;
    failure.times = (failure.times ?? 1) - 1;
    if (failure.times <= 0) failures.splice(injected, 1);
    throw new Ec2Error(
      failure.code,
      failure.message ?? `Injected ${failure.code}`,
      failure.statusCode ?? 400,
    );
  };

  return {
    /** Counts the request, then throws the Ec2Error that refuses it, if any. */
    admit(action: string, params: QueryParams, refusedActions: ReadonlySet<string>): void {
      stats.calls[action] = (stats.calls[action] ?? 0) + 1;
      throttleRequest(action, params);
      raiseInjectedFailure(action);
      if (refusedActions.has(action)) {
        throw new Ec2Error(
          'UnauthorizedOperation',
          'You are not authorized to perform this operation.',
          403,
        );
      }
      if (params.boolean('DryRun') === true) {
        throw new Ec2Error(
          'DryRunOperation',
          'Request would have succeeded, but DryRun flag is set.',
          412,
        );
      }
    },
    injectFailure(failure: InjectedFailure): void {
      failures.push({ ...failure });
    },
    stats: (): Ec2Stats => structuredClone(stats),
    /** Refills the token buckets and forgets the statistics and injected failures. */
    reset(): void {
      throttle = newThrottle();
      stats = { calls: {}, throttled: {} };
      failures.length = 0;
    },
  };
}
