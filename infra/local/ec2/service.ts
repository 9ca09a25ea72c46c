import type { LocalRequest, LocalResponse, LocalService } from '../protocol';
import { routeRequest, SUPPORTED_ACTIONS } from './actions';
import type { Ec2Context } from './context';
import { Ec2Error } from './errors';
import { type Ec2Fixture, type SeedResult, seedStore } from './fixture';
import type { Ec2State, ImageStateChange } from './model';
import { createRequestAdmission, type Ec2Stats, type InjectedFailure } from './request-admission';
import { createSettlingStore } from './settling-store';
import type { SsmParameterLookup } from './ssm-parameters';
import type { ThrottlingOptions } from './throttling';
import { errorResponse, successResponse } from './xml-response';

export { SUPPORTED_ACTIONS } from './actions';
export type { Ec2Stats, InjectedFailure } from './request-admission';

export interface Ec2ServiceOptions {
  /** The account that owns what the emulator creates; `Owners=self` means it. */
  accountId?: string;
  region?: string;
  /** The emulator's clock (epoch ms). Images bake, instances change state and buckets refill by it. */
  now?: () => number;
  /** How long a new image stays `pending` (snapshot progress rises over it). Default 15 s. */
  bakeMs?: number;
  /** How long pending/stopping/shutting-down last before running/stopped/terminated. Default 2 s. */
  instanceTransitionMs?: number;
  /** How long terminated instances stay visible, as on EC2. Default 1 hour. */
  terminatedVisibleMs?: number;
  /** AWS's token buckets (default), scaled or overridden; `false` turns throttling off. */
  throttling?: false | ThrottlingOptions;
  /** A saved state to start from (what `snapshotState()` returned). */
  state?: Ec2State;
  /** Records to add after the state is loaded. */
  fixture?: Ec2Fixture;
  /**
   * Told once of each image that finishes baking (when a settle finds it due) or is deregistered,
   * after the change is applied, so it may call the service again. Images that were already final
   * in `state` or `fixture` are never reported. It should not throw: an exception fails the
   * request that settled (changes not yet delivered then wait for the next settle).
   */
  onImageStateChange?: (change: ImageStateChange) => void;
  /**
   * Parameter Store (the local SSM service's `parameters`): resolves launch templates'
   * `resolve:ssm:` aliases and lets DescribeImageReferences report parameters.
   */
  ssmParameters?: SsmParameterLookup;
}

export interface Ec2Service extends LocalService {
  readonly accountId: string;
  readonly region: string;
  /** A JSON-serialisable copy of everything; give it back as `options.state` or to `loadState`. */
  readonly state: Ec2State;
  snapshotState(): Ec2State;
  /** Replaces everything with a saved state. */
  loadState(state: Ec2State): void;
  /** Adds a fixture's records; returns their ids in fixture order. */
  seed(fixture: Ec2Fixture): SeedResult;
  /** Removes every record (throttling buckets and statistics too). */
  reset(): void;
  injectFailure(failure: InjectedFailure): void;
  stats(): Ec2Stats;
  /**
   * When the next image finishes baking (the earliest bake end, epoch ms by the service's clock),
   * or undefined if none is baking: a caller that wants `onImageStateChange` on time calls
   * `settle()` then, since the service itself runs no timers.
   */
  nextImageStateChangeAtMs(): number | undefined;
  /** Applies what the clock has made due, as every request does first. */
  settle(): void;
}

const DEFAULTS = {
  accountId: '123456789012',
  region: 'us-east-1',
  bakeMs: 15_000,
  instanceTransitionMs: 2_000,
  terminatedVisibleMs: 60 * 60 * 1000,
};

/**
 * The local cloud's EC2: EC2 Query requests in, EC2 XML out. Every request first applies what
 * the clock has made due (images finishing, instances changing state), so behaviour depends only
 * on the injected clock and the requests, never on timers.
 */
export function createEc2Service(options: Ec2ServiceOptions = {}): Ec2Service {
  const settings = { ...DEFAULTS, ...withoutUndefined(options) };
  const now = options.now ?? Date.now;
  const records = createSettlingStore(settings.terminatedVisibleMs, options.onImageStateChange);
  const admission = createRequestAdmission(options.throttling, now);

  const seed = (fixture: Ec2Fixture): SeedResult =>
    seedStore(records.store, fixture, {
      accountId: settings.accountId,
      nowMs: now(),
      bakeMs: settings.bakeMs,
      terminatedVisibleMs: settings.terminatedVisibleMs,
      knownActions: SUPPORTED_ACTIONS,
    });
  const snapshotState = (): Ec2State => {
    records.settle(now());
    return records.store.toState();
  };
  const contextAt = (nowMs: number): Ec2Context => ({
    store: records.store,
    nowMs,
    accountId: settings.accountId,
    region: settings.region,
    bakeMs: settings.bakeMs,
    instanceTransitionMs: settings.instanceTransitionMs,
    ssmParameters: options.ssmParameters,
  });
  if (options.state) records.store.load(options.state);
  if (options.fixture) seed(options.fixture);

  function dispatch(request: LocalRequest): LocalResponse {
    const routed = routeRequest(request);
    if (routed instanceof Ec2Error) return errorResponse(routed);
    const { action, handler, params } = routed;
    try {
      admission.admit(action, params, records.store.refusedActions);
      const nowMs = now();
      records.settle(nowMs);
      const body = handler(contextAt(nowMs), params);
      records.deliverImageStateChanges();
      return successResponse(action, body);
    } catch (error) {
      if (error instanceof Ec2Error) return errorResponse(error);
      return errorResponse(
        new Ec2Error('InternalError', `An internal error has occurred: ${String(error)}`, 500),
      );
    }
  }

  return {
    accountId: settings.accountId,
    region: settings.region,
    get state() {
      return snapshotState();
    },
    snapshotState,
    loadState: (state) => records.replace(state),
    seed,
    reset() {
      records.replace();
      admission.reset();
    },
    injectFailure: admission.injectFailure,
    stats: admission.stats,
    nextImageStateChangeAtMs: () => records.store.nextBakeEndMs(),
    settle: () => records.settle(now()),
    async handle(request) {
      return dispatch(request);
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
