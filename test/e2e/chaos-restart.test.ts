import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import { afterAll, describe, expect, it } from 'vitest';
import { temporaryFolder } from '../tools';
import { type EventRecord, eventually } from './local-cloud-client';
import { freePort, LocalCloudProcess } from './local-cloud-process';

const REQUESTS = 20;
const KILLS = Number(process.env.CHAOS_KILLS ?? 3);
const NAMES = ['service-api', 'service-worker', 'flaky-service', 'service-ghost'];
// Printed, and taken from CHAOS_SEED when set, so that a failing run can be repeated.
const SEED = Number(process.env.CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: a small seeded generator, so the kills fall at the same moments for a seed. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));
let cloud: LocalCloudProcess | undefined;

afterAll(async () => {
  await cloud?.kill();
});

/** Reads a `/_local/` path; the process's last lines are in the error if it does not answer. */
async function local<T>(running: LocalCloudProcess, path: string): Promise<T> {
  try {
    return (await (await fetch(`${running.awsEndpoint}/_local/${path}`)).json()) as T;
  } catch (error) {
    throw new Error(
      `GET /_local/${path} failed (${String(error)}); the local cloud said:\n${running.recentOutput()}`,
    );
  }
}

/** POSTs until the API answers 202; a request cut off by a kill is sent again with its id. */
async function requestUntilAccepted(running: LocalCloudProcess, body: unknown): Promise<void> {
  for (;;) {
    try {
      const response = await fetch(running.createAmiUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await response.text();
      if (response.status === 202) return;
      console.log(`create-ami answered ${response.status}: ${text.slice(0, 300)}`);
    } catch {
      // Killed mid-request or not started yet: the same request again, as a client retries.
      running.assertAlive();
    }
    await sleep(300);
  }
}

/** The account's AMIs created since `since` (the fixture's older ones are the janitor's to purge). */
async function imageIds(ec2: EC2Client, since = ''): Promise<string[]> {
  const { Images = [] } = await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }));
  return Images.flatMap((image) =>
    image.ImageId && (image.CreationDate ?? '') >= since ? [image.ImageId] : [],
  );
}

describe('the local cloud killed at random moments', () => {
  it('should end every requested name in exactly one terminal event, and keep every AMI EC2 reported', {
    timeout: 420_000,
  }, async () => {
    // Prepare
    console.log(`chaos-restart seed ${SEED} (CHAOS_SEED=${SEED} repeats this run)`);
    const random = seeded(SEED);
    const stateDir = temporaryFolder('chaos');
    const running = new LocalCloudProcess({
      apiPort: await freePort(),
      awsPort: await freePort(),
      stateDir,
      args: ['--bake-seconds', '1.5', '--poll-seconds', '0.3', '--no-throttling'],
    });
    cloud = running;
    await running.start();
    const ec2 = new EC2Client({
      endpoint: running.awsEndpoint,
      region: 'ap-northeast-2',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      maxAttempts: 1,
    });
    const { Reservations = [] } = await ec2.send(new DescribeInstancesCommand({}));
    const instanceId = Reservations[0]?.Instances?.[0]?.InstanceId ?? '';
    const requests = Array.from({ length: REQUESTS }, (_, n) => ({
      request_id: `chaos-${SEED}-${n}`,
      instance_name_list: NAMES.filter(() => random() < 0.5)
        .slice(0, 2)
        .concat(NAMES[n % NAMES.length] as string)
        .filter((name, index, all) => all.indexOf(name) === index),
    }));
    const gaps = requests.map(() => 100 + random() * 600);
    const killsAt = Array.from({ length: KILLS }, () => 1_000 + random() * 9_000).sort(
      (a, b) => a - b,
    );

    // Act: requests spread over ~8 s; meanwhile, kills at the drawn moments, each restarted at once.
    const reported = new Set<string>();
    // Each request goes at its drawn moment, whether or not those before it have been answered.
    let at = 0;
    const sending = Promise.all(
      requests.map((request, n) => {
        at += gaps[n] ?? 0;
        return sleep(at).then(() => requestUntilAccepted(running, request));
      }),
    );
    const started = Date.now();
    const startedAt = new Date(started - 1_000).toISOString();
    for (const [k, at] of killsAt.entries()) {
      await sleep(Math.max(0, started + at - Date.now()));
      for (const id of await imageIds(ec2, startedAt)) reported.add(id);
      // An AMI answered just before the kill: EC2 said it exists, so it must after the restart.
      const { ImageId } = await ec2.send(
        new CreateImageCommand({
          InstanceId: instanceId,
          Name: `chaos-${SEED}-direct-${k}`,
          NoReboot: true,
        }),
      );
      reported.add(ImageId ?? '');
      await running.kill();
      console.log(`${Date.now() - started} ms: killed`);
      await running.start();
      console.log(`${Date.now() - started} ms: restarted`);
    }
    await sending;

    // Assess: every name of every request ends in one outcome, once nothing runs any more.
    const events = () => local<EventRecord[]>(running, 'events');
    // Each terminal event as "<source> <detail-type> <reason or image>": what was decided, by whom.
    const terminal = (all: EventRecord[]) => {
      const byName = new Map<string, string[]>();
      for (const event of all) {
        if (event['detail-type'] !== 'AmiAvailable' && event['detail-type'] !== 'AmiFailed')
          continue;
        const key = `${event.detail.metadata.requestId} ${String(event.detail.data.instanceName)}`;
        const outcome = `${event.source} ${event['detail-type']} ${String(event.detail.data.reason ?? event.detail.data.imageId)}`;
        byName.set(key, [...(byName.get(key) ?? []), outcome]);
      }
      return byName;
    };
    const expected = requests.flatMap((request) =>
      request.instance_name_list.map((name) => `${request.request_id} ${name}`),
    );
    let lastWaiting = 0;
    await eventually(
      async () => {
        const ended = terminal(await events());
        const waiting = expected.filter((key) => !ended.has(key));
        if (waiting.length > 0 && waiting.length !== lastWaiting) {
          console.log(`${Date.now() - started} ms: ${waiting.length} names not ended yet`);
        }
        lastWaiting = waiting.length;
        return waiting.length === 0 ? true : undefined;
      },
      'every requested name to end',
      150_000,
    );
    await eventually(
      async () => {
        const executions = (await (
          await fetch(`${running.awsEndpoint}/_local/executions`)
        ).json()) as {
          status: string;
        }[];
        return executions.some((execution) => execution.status === 'RUNNING') ? undefined : true;
      },
      'no execution running',
      60_000,
    );
    const all = await events();
    const ended = terminal(all);
    // Exactly one per name, whoever decided it: the watcher and the creator's announcer both
    // publish through Step Functions, which runs an execution's states once.
    const twice = [...ended].filter(([, outcomes]) => outcomes.length !== 1);
    expect(twice, `seed ${SEED}`).toEqual([]);
    expect(new Set(ended.keys()), `seed ${SEED}`).toEqual(new Set(expected));

    const kept = new Set(await imageIds(ec2));
    const available = all
      .filter((event) => event['detail-type'] === 'AmiAvailable')
      .map((event) => String(event.detail.data.imageId));
    expect(
      [...reported, ...available].filter((id) => !kept.has(id)),
      `seed ${SEED}`,
    ).toEqual([]);

    // A stop (SIGTERM) drains and exits 0.
    expect(await running.stop()).toBe(0);
  });
});
