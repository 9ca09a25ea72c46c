import { DeregisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SNAPSHOT_DELETE_RESULTS } from '../../events/ami-purged.v1';
import type { TokenBucket } from './token-bucket';

export type SnapshotDeleteResult = (typeof SNAPSHOT_DELETE_RESULTS)[number];

export interface SnapshotOutcome {
  readonly snapshotId: string;
  /** Absent in a dry run, or when EC2 reported a code this version does not know. */
  readonly result?: SnapshotDeleteResult;
}

export type DeregisterOutcome =
  | { readonly ok: true; readonly snapshots: readonly SnapshotOutcome[] }
  | { readonly ok: false; readonly code: string; readonly message: string };

/** Error codes EC2 answers when its token bucket is empty. */
const THROTTLING_CODES = new Set(['RequestLimitExceeded', 'Throttling', 'ThrottlingException']);
/** Throttled calls are tried again this often after the SDK's own retries gave up. */
const THROTTLED_ATTEMPTS = 4;
const MAX_MESSAGE_LENGTH = 500;

/**
 * Deregisters images with their snapshots (`DeleteAssociatedSnapshots`), paced by a token bucket
 * and at most `concurrency` calls at a time, so the achieved rate is the bucket's, whatever the
 * latency of one call.
 */
export class ImageDeregistrar {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(
    private readonly ec2: EC2Client,
    private readonly bucket: TokenBucket,
    private readonly concurrency: number,
  ) {}

  /** Resolves when a call may start now: a slot is free and a token was taken. */
  async ready(): Promise<void> {
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    await this.bucket.take();
  }

  /** Starts one deregistration (call `ready` first); `onDone` receives its outcome. */
  start(imageId: string, onDone: (outcome: DeregisterOutcome) => void): void {
    const call: Promise<void> = deregisterImage(this.ec2, this.bucket, imageId)
      .then(onDone)
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  /** Waits for every started call. */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
  }
}

/**
 * One image, never throwing: a failure becomes an outcome so the run goes on. A throttled call
 * (after the SDK's retries) empties the local bucket and is tried again, paced like the rest.
 * The call was rejected, so trying again never deletes twice.
 */
export async function deregisterImage(
  ec2: EC2Client,
  bucket: TokenBucket,
  imageId: string,
): Promise<DeregisterOutcome> {
  for (let attempt = 1; ; attempt++) {
    try {
      const result = await ec2.send(
        new DeregisterImageCommand({ ImageId: imageId, DeleteAssociatedSnapshots: true }),
      );
      return {
        ok: true,
        snapshots: (result.DeleteSnapshotResults ?? []).flatMap((entry) =>
          entry.SnapshotId === undefined
            ? []
            : [{ snapshotId: entry.SnapshotId, ...knownResult(entry.ReturnCode) }],
        ),
      };
    } catch (error) {
      const code = error instanceof Error ? error.name : 'UnknownError';
      if (THROTTLING_CODES.has(code) && attempt < THROTTLED_ATTEMPTS) {
        bucket.drain();
        await bucket.take();
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, code, message: message.slice(0, MAX_MESSAGE_LENGTH) };
    }
  }
}

function knownResult(code: string | undefined): { result?: SnapshotDeleteResult } {
  const known = SNAPSHOT_DELETE_RESULTS.find((result) => result === code);
  return known === undefined ? {} : { result: known };
}
