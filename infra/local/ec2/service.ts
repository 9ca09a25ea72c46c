import type { LocalRequest, LocalResponse, LocalService } from '../protocol';
import type { ActionHandler, Ec2Context } from './context';
import { Ec2Error } from './errors';
import { type Ec2Fixture, type SeedResult, seedStore } from './fixture';
import { describeImageAttribute, modifyImageAttribute } from './image-attributes';
import { describeImageReferences } from './image-references';
import {
  createImage,
  deregisterImage,
  describeImages,
  disableImageDeregistrationProtection,
  enableImageDeregistrationProtection,
} from './images';
import {
  describeInstances,
  runInstances,
  startInstances,
  stopInstances,
  terminateInstances,
} from './instances';
import {
  createLaunchTemplate,
  describeLaunchTemplates,
  describeLaunchTemplateVersions,
} from './launch-templates';
import type { Ec2State, ImageStateChange } from './model';
import { QueryParams } from './query-params';
import { deleteSnapshot, describeSnapshots } from './snapshots';
import type { SsmParameterLookup } from './ssm-parameters';
import { Ec2Store } from './store';
import { createTags, deleteTags, describeTags } from './tags';
import { Throttle, type ThrottlingOptions } from './throttling';
import { errorResponse, successResponse } from './xml-response';

const ACTIONS: Readonly<Record<string, ActionHandler>> = {
  RunInstances: runInstances,
  StartInstances: startInstances,
  StopInstances: stopInstances,
  TerminateInstances: terminateInstances,
  DescribeInstances: describeInstances,
  CreateImage: createImage,
  DescribeImages: describeImages,
  DeregisterImage: deregisterImage,
  DescribeImageAttribute: describeImageAttribute,
  ModifyImageAttribute: modifyImageAttribute,
  DescribeImageReferences: describeImageReferences,
  EnableImageDeregistrationProtection: enableImageDeregistrationProtection,
  DisableImageDeregistrationProtection: disableImageDeregistrationProtection,
  DescribeSnapshots: describeSnapshots,
  DeleteSnapshot: deleteSnapshot,
  CreateTags: createTags,
  DeleteTags: deleteTags,
  DescribeTags: describeTags,
  CreateLaunchTemplate: createLaunchTemplate,
  DescribeLaunchTemplates: describeLaunchTemplates,
  DescribeLaunchTemplateVersions: describeLaunchTemplateVersions,
};

export const SUPPORTED_ACTIONS: readonly string[] = Object.keys(ACTIONS);

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
  // Changes wait here until the store is consistent again, then go to the listener in order.
  const imageStateChanges: ImageStateChange[] = [];
  const listener = options.onImageStateChange;
  const newStore = () =>
    new Ec2Store(
      settings.terminatedVisibleMs,
      listener && ((change) => imageStateChanges.push(change)),
    );
  const deliverImageStateChanges = (): void => {
    if (listener === undefined) return;
    for (let change = imageStateChanges.shift(); change; change = imageStateChanges.shift()) {
      listener(change);
    }
  };
  const settle = (nowMs = now()): void => {
    store.settle(nowMs);
    deliverImageStateChanges();
  };
  let store = newStore();
  let throttle =
    options.throttling === false ? undefined : new Throttle(options.throttling ?? {}, now);
  let stats: Ec2Stats = { calls: {}, throttled: {} };
  const failures: InjectedFailure[] = [];

  const seed = (fixture: Ec2Fixture): SeedResult =>
    seedStore(store, fixture, {
      accountId: settings.accountId,
      nowMs: now(),
      bakeMs: settings.bakeMs,
      terminatedVisibleMs: settings.terminatedVisibleMs,
      knownActions: SUPPORTED_ACTIONS,
    });
  const snapshotState = (): Ec2State => {
    settle();
    return store.toState();
  };
  if (options.state) store.load(options.state);
  if (options.fixture) seed(options.fixture);

  function dispatch(request: LocalRequest): LocalResponse {
    const query = request.path.includes('?')
      ? request.path.slice(request.path.indexOf('?') + 1)
      : '';
    const params = new QueryParams(request.method === 'GET' ? query : request.body);
    const action = params.action;
    if (action === undefined || action === '') {
      return errorResponse(
        new Ec2Error('MissingAction', 'The request must contain the parameter Action'),
      );
    }
    const handler = Object.hasOwn(ACTIONS, action) ? ACTIONS[action] : undefined;
    if (handler === undefined) {
      return errorResponse(
        new Ec2Error('InvalidAction', `The action ${action} is not valid for this web service.`),
      );
    }
    stats.calls[action] = (stats.calls[action] ?? 0) + 1;
    try {
      if (throttle) {
        const unfilteredAndUnpaginated = ![
          'Filter',
          'MaxResults',
          'NextToken',
          'InstanceId',
          'SnapshotId',
          'Owner',
        ].some((name) => params.has(name));
        try {
          throttle.take(action, unfilteredAndUnpaginated);
        } catch (error) {
          stats.throttled[action] = (stats.throttled[action] ?? 0) + 1;
          throw error;
        }
      }
      const injected = failures.findIndex((failure) => failure.action === action);
      if (injected >= 0) {
        const failure = failures[injected] as InjectedFailure;
        failure.times = (failure.times ?? 1) - 1;
        if (failure.times <= 0) failures.splice(injected, 1);
        throw new Ec2Error(
          failure.code,
          failure.message ?? `Injected ${failure.code}`,
          failure.statusCode ?? 400,
        );
      }
      if (store.refusedActions.has(action)) {
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
      const nowMs = now();
      settle(nowMs);
      const context: Ec2Context = {
        store,
        nowMs,
        accountId: settings.accountId,
        region: settings.region,
        bakeMs: settings.bakeMs,
        instanceTransitionMs: settings.instanceTransitionMs,
        ssmParameters: options.ssmParameters,
      };
      const body = handler(context, params);
      deliverImageStateChanges();
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
    loadState(state) {
      store = newStore();
      store.load(state);
    },
    seed,
    reset() {
      store = newStore();
      throttle =
        options.throttling === false ? undefined : new Throttle(options.throttling ?? {}, now);
      stats = { calls: {}, throttled: {} };
      failures.length = 0;
    },
    injectFailure(failure) {
      failures.push({ ...failure });
    },
    stats() {
      return structuredClone(stats);
    },
    nextImageStateChangeAtMs() {
      return store.nextBakeEndMs();
    },
    settle() {
      settle();
    },
    async handle(request) {
      return dispatch(request);
    },
  };
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
