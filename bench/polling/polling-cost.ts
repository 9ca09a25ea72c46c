import { join } from 'node:path';
import { AmiAvailableV1, type WatcherInput } from '../../events';
import { parseSettings } from '../../infra/settings';
import { type Benchmark, budget, type Row } from '../benchmark';
import { median, round } from '../stats';
import { functionTaskStates, taskStates, waitSeconds } from './definition-states';
import { type HopSamples, measureNotificationHops } from './notification-hop';
import { type PollingOutcome, runOurWatcher, runSeedWatcher } from './polling-runs';
import { SEED_WATCHER_DEFINITION } from './seed-watcher';
import { simulatedAmi } from './simulated-ami';

/** The simulated bake times, in minutes from the watcher's start. */
const BAKE_MINUTES = [3, 10, 30, 90] as const;
/**
 * Where within the poll interval each bake ends: an AMI available exactly on a check would make
 * every detection instant. Spread evenly, the phases give the mean wait for the next check.
 */
const PHASES = { quick: 4, full: 12 } as const;
/** Notification hops timed on the local cloud; the first of each kind is reported as cold. */
const HOP_SAMPLES = { quick: 11, full: 31 } as const;
/** When each simulated execution starts, on the virtual clock. */
const START_MS = Date.parse('2025-06-05T12:00:00.000Z');
const MINUTE_MS = 60_000;

interface BakeRuns {
  readonly bakeMinutes: number;
  readonly phases: readonly {
    readonly availableAtMs: number;
    /** Woken by EC2's `EC2 AMI State Change` event at the moment the AMI became available. */
    readonly ours: PollingOutcome;
    /** The event lost (EC2 sends it best effort): polling alone. */
    readonly oursUnwoken: PollingOutcome;
    readonly seed: PollingOutcome;
  }[];
}

/**
 * 3. Polling cost and latency: the synthesized watcher and the seed's state machine, both run on
 * aws-local-stepfunctions against the same simulated AMI on a virtual clock, counted from their
 * execution logs; the notification hop after detection timed on the local cloud in the same run.
 */
export const pollingCost: Benchmark = {
  id: 'polling-cost',
  title: '3. Polling cost and latency (synthesized watcher vs the seed, per AMI)',
  async run(context) {
    context.log(
      `polling cost: notification hops on the local cloud, ${HOP_SAMPLES[context.mode]} each`,
    );
    const hops = await measureNotificationHops(
      join(context.workDir, 'polling-cost-cloud'),
      HOP_SAMPLES[context.mode],
    );
    const definition = hops.watcherDefinition;
    const pollSeconds = onePollInterval(definition);
    const seedPollSeconds = onePollInterval(SEED_WATCHER_DEFINITION);
    const deadlineMinutes = parseSettings({}).waitDeadlineMinutes;
    const pollMs = pollSeconds * 1000;
    const phases = PHASES[context.mode];
    const [example] = AmiAvailableV1.examples;
    if (!example) throw new Error('AmiAvailable v1 has no example');
    const { requestId, instanceName, instanceId, imageId, imageName } = example.data;
    const input: WatcherInput = {
      requestId,
      images: [
        {
          requestId,
          instanceName,
          instanceId,
          imageId,
          imageName,
          deadlineAt: new Date(START_MS + deadlineMinutes * MINUTE_MS).toISOString(),
        },
      ],
    };

    // The local cloud is stopped: nothing else runs while the clock is fake.
    context.log(
      `polling cost: ${BAKE_MINUTES.length} bake times × ${phases} phases, both machines`,
    );
    const bakes: BakeRuns[] = [];
    for (const bakeMinutes of BAKE_MINUTES) {
      const runs: BakeRuns['phases'][number][] = [];
      for (let phase = 0; phase < phases; phase += 1) {
        const availableAtMs = START_MS + bakeMinutes * MINUTE_MS + (phase * pollMs) / phases;
        const ami = simulatedAmi(imageId, availableAtMs);
        const ours = await runOurWatcher(definition, input, ami, START_MS, availableAtMs);
        const oursUnwoken = await runOurWatcher(definition, input, ami, START_MS);
        const seed = await runSeedWatcher(ami, START_MS);
        runs.push({ availableAtMs, ours, oursUnwoken, seed });
      }
      bakes.push({ bakeMinutes, phases: runs });
    }

    const stateChangeMs = median(hops.stateChange.warmMs);
    const busHopMs = median(hops.eventBridge.warmMs);
    const directHopMs = median(hops.directPost.warmMs);
    const invokedPerAvailable = Object.values(hops.invocationsPerAvailable).reduce(
      (sum, count) => sum + count,
      0,
    );
    const functionTasks = functionTaskStates(definition);
    const resources = [...new Set(taskStates(definition).map(([, resource]) => resource))];

    const rows: Row[] = bakes.map(({ bakeMinutes, phases: runs }) => {
      const mean = (pick: (run: BakeRuns['phases'][number]) => number) =>
        runs.reduce((sum, run) => sum + pick(run), 0) / runs.length;
      const detectionOurs = mean((run) => run.ours.detectedAtMs - run.availableAtMs);
      const detectionUnwoken = mean((run) => run.oursUnwoken.detectedAtMs - run.availableAtMs);
      const detectionSeed = mean((run) => run.seed.detectedAtMs - run.availableAtMs);
      // The woken check runs when the wake-up arrives; the measured whole path (EC2's event to
      // webhook) includes that wait, so the simulated wake-up comes at the moment of availability.
      const delayOursMs = detectionOurs + stateChangeMs;
      const delayUnwokenMs = detectionUnwoken + busHopMs;
      const delaySeedMs = detectionSeed + directHopMs;
      const pollingOurs = mean((run) => run.ours.pollingInvocations);
      const pollingSeed = mean((run) => run.seed.pollingInvocations);
      return {
        subject: `bake ${bakeMinutes} min`,
        figures: {
          transitionsOurs: mean((run) => run.ours.transitions),
          transitionsUnwoken: mean((run) => run.oursUnwoken.transitions),
          transitionsSeed: mean((run) => run.seed.transitions),
          pollingOurs,
          pollingSeed,
          allOurs: pollingOurs + invokedPerAvailable,
          // The seed's function posts the webhook in its last check: no invocation beyond polling.
          allSeed: pollingSeed,
          detectionOursS: round(detectionOurs / 1000, 1),
          detectionSeedS: round(detectionSeed / 1000, 1),
          delayOursS: round(delayOursMs / 1000, 3),
          delaySeedS: round(delaySeedMs / 1000, 3),
          laterMs: round(delayOursMs - delaySeedMs, 1),
          unwokenLaterMs: round(delayUnwokenMs - delaySeedMs, 1),
        },
        budgets: [
          budget(
            'state transitions, ours − seed (worst phase, woken or not)',
            Math.max(
              ...runs.flatMap((run) => [
                run.ours.transitions - run.seed.transitions,
                run.oursUnwoken.transitions - run.seed.transitions,
              ]),
            ),
            '≤',
            0,
          ),
          budget('function invocations for polling, ours', pollingOurs, '≤', 0),
          budget(
            'delay from available to webhook, ours − seed (ms)',
            round(delayOursMs - delaySeedMs, 1),
            '≤',
            0,
          ),
        ],
      };
    });

    const phaseSeconds = Array.from(
      { length: phases },
      (_, phase) => (phase * pollMs) / phases / 1000,
    );
    return {
      columns: [
        { key: 'transitionsOurs', label: 'transitions ours', digits: 1 },
        { key: 'transitionsUnwoken', label: 'unwoken', digits: 1 },
        { key: 'transitionsSeed', label: 'seed', digits: 1 },
        { key: 'pollingOurs', label: 'polling fn ours', digits: 1 },
        { key: 'pollingSeed', label: 'seed', digits: 1 },
        { key: 'allOurs', label: 'fn in all ours', digits: 1 },
        { key: 'allSeed', label: 'seed', digits: 1 },
        { key: 'detectionOursS', label: 'detect ours s', digits: 1 },
        { key: 'detectionSeedS', label: 'seed s', digits: 1 },
        { key: 'delayOursS', label: 'delay ours s', digits: 3 },
        { key: 'delaySeedS', label: 'seed s', digits: 3 },
        { key: 'laterMs', label: 'ours − seed ms', digits: 1 },
        { key: 'unwokenLaterMs', label: 'unwoken − seed ms', digits: 1 },
      ],
      rows,
      notes: [
        `Both state machines run on aws-local-stepfunctions on a virtual clock (fake timers: each wait advances it by its full duration, ${pollSeconds} s for ours, ${seedPollSeconds} s for the seed, read from the definitions). Ours is the definition of the synthesized stack (default settings; images' deadline ${deadlineMinutes} min); the seed's is its step_functions.json. One AMI per execution; it turns available ${phaseSeconds.join(', ')} s after the bake time (phases across the poll interval); figures are means over the phases, the transition budget holds for each. Ours runs twice per phase: woken (the waiting check gets its token back at the moment the AMI becomes available, as the wake-up does on EC2's event) and unwoken (the event lost: EC2 sends it best effort).`,
        `Transitions: states entered, the Map's own included (ours: WatchImages; the seed: MapAMIList and AllDone). Per check both enter three (ours: WaitForImage, DescribeImage, ImageState; the seed: Wait60Seconds, CheckAmiState, AMIReady?), then ours two to finish (PublishAmiAvailable, ForgetImage) and the seed one (Success). Woken, ours makes the last check early, so never more checks than the seed. The wake-up itself is one Express execution per AMI (measured: ${round(hops.wakeUpsPerAmi, 2)} per AMI), 3 states, not a Standard transition and not a function.`,
        `Polling invocations: Task states entered that invoke a function (lambda:invoke or a function ARN), read from each definition. The synthesized watcher has ${functionTasks.size} such Task states; its Tasks call ${resources.join(', ')}. The seed invokes ami_notifier at every check (counted by its local handler too).`,
        `Functions in all, per AMI: ours = polling + what one AmiAvailable invokes through the template's rules on the local cloud's bus: ${JSON.stringify(hops.invocationsPerAvailable)} (the janitor's purge and the notifier's report of it: the seed purges inside its creator). The seed's function posts the webhook in its last check. The creator's one invocation per request is common to both and not counted.`,
        `Delay, ours: the whole path measured on the local cloud through the API, one AMI at a time (warm median of ${hops.stateChange.warmMs.length}): the local EC2 finishes the bake → EC2 AMI State Change on the default bus → the wake-up state machine (GetItem, SendTaskSuccess) → the woken DescribeImage → AmiAvailable on our bus → the notifier (the unchanged handler in a worker thread) → JANDI webhook at a receiver in the bench process, ${round(stateChangeMs, 1)} ms (first: ${round(hops.stateChange.coldMs, 0)} ms), plus the woken check's detection from the virtual runs.`,
        `Delay, seed: detection (the first 60 s check at or after available) + one POST of the same webhook from the running process that checked, ${round(directHopMs, 2)} ms (first, new connection: ${round(hops.directPost.coldMs, 1)} ms). Unwoken, ours: the same detection as the seed + PutEvents of AmiAvailable → bus rule → notifier → webhook, ${round(busHopMs, 1)} ms (first, cold: ${round(hops.eventBridge.coldMs, 0)} ms): later than the seed by that hop, because a separate function posts the webhook (one place for formats, retries and dead letters) where the seed's checking function posts it itself. That is the only case where ours is later, and it needs EC2's event to be lost.`,
        `On AWS the whole path adds EventBridge's delivery of EC2's event, an Express execution, DescribeImages, PutEvents and an asynchronous Lambda invocation (a cold start when the notifier is idle). Those are not measured here; the seed's mean wait for its next check alone is half a poll interval.`,
        `The seed's Task has no ResultPath, so its function's output replaces the item's state: the local handler returns ami_id with ami_state, as ami_notifier.py must for the loop to check the same AMI again.`,
      ],
      details: {
        pollIntervalSeconds: { ours: pollSeconds, seed: seedPollSeconds },
        phaseSeconds,
        functionTaskStates: [...functionTasks],
        taskResources: resources,
        runs: bakes.map(({ bakeMinutes, phases: runs }) => ({
          bakeMinutes,
          phases: runs.map((run) => ({
            availableAt: new Date(run.availableAtMs).toISOString(),
            ours: describeOutcome(run.ours, run.availableAtMs),
            oursUnwoken: describeOutcome(run.oursUnwoken, run.availableAtMs),
            seed: describeOutcome(run.seed, run.availableAtMs),
          })),
        })),
        hops: {
          stateChange: describeHops(hops.stateChange),
          wakeUpsPerAmi: hops.wakeUpsPerAmi,
          eventBridge: describeHops(hops.eventBridge),
          directPost: describeHops(hops.directPost),
          invocationsPerAvailable: hops.invocationsPerAvailable,
          otherWebhooksPerAvailable: hops.otherWebhooksPerAvailable,
          webhookBody: hops.webhookBody,
        },
      },
    };
  },
};

/** The Wait of a polling loop; a definition with several would need a schedule of its own. */
function onePollInterval(definition: unknown): number {
  const [seconds, ...others] = new Set(waitSeconds(definition));
  if (seconds === undefined || others.length > 0) {
    throw new Error(`expected one Wait duration, found ${[seconds, ...others].join(', ')}`);
  }
  return seconds;
}

function describeOutcome(outcome: PollingOutcome, availableAtMs: number) {
  const { detectedAtMs, ...counts } = outcome;
  return { ...counts, detectionS: (detectedAtMs - availableAtMs) / 1000 };
}

function describeHops(samples: HopSamples) {
  return {
    coldMs: round(samples.coldMs, 2),
    warmMedianMs: round(median(samples.warmMs), 2),
    warmMs: samples.warmMs.map((ms) => round(ms, 2)),
  };
}
