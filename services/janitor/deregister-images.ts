import { DeregisterImageCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { SNAPSHOT_DELETE_RESULTS } from '../../events/ami-purged.v1';
import type { Timer, TokenBucket } from './token-bucket';

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
/** EC2's answers for an image that is no longer there. */
const GONE_CODES = new Set(['InvalidAMIID.NotFound', 'InvalidAMIID.Unavailable']);
/**
 * The only retry layer for DeregisterImage (its client makes one attempt per call): throttled or
 * transient calls are tried again up to this many times in all, each paced by the bucket.
 */
export const DEREGISTER_ATTEMPTS = 8;
const MAX_BACKOFF_MS = 20_000;
const MAX_MESSAGE_LENGTH = 500;

export interface DeregisterRequest {
  readonly imageId: string;
  /**
   * A deletion claimed by an earlier attempt that did not record its outcome: the image being gone
   * means that attempt deleted it.
   */
  readonly resumed?: boolean;
}

/**
 * Deregisters images with their snapshots (`DeleteAssociatedSnapshots`), paced by a token bucket
 * and at most `concurrency` calls at a time, so the achieved rate is the bucket's, whatever the
 * latency of one call.
 */
export class ImageDeregistrar {
  private readonly inFlight = new Set<Promise<void>>();
  private readonly failures: unknown[] = [];

  constructor(
    private readonly ec2: EC2Client,
    private readonly bucket: TokenBucket,
    private readonly timer: Timer,
    private readonly concurrency: number,
  ) {}

  /** Resolves when a call may start now: a slot is free and a token was taken. */
  async ready(): Promise<void> {
    while (this.inFlight.size >= this.concurrency) await Promise.race(this.inFlight);
    await this.bucket.take();
  }

  /**
   * Starts one deregistration (call `ready` first); `onDone` receives its outcome, and `settle`
   * waits for what it returns too.
   */
  start(request: DeregisterRequest, onDone: (outcome: DeregisterOutcome) => Promise<void>): void {
    const call: Promise<void> = deregisterImage(this.ec2, this.bucket, this.timer, request)
      .then(onDone)
      // Kept for settle(): a deletion whose outcome was not recorded must fail the batch.
      .catch((error: unknown) => {
        this.failures.push(error);
      })
      .finally(() => this.inFlight.delete(call));
    this.inFlight.add(call);
  }

  /** Waits for every started call; rejects if recording an outcome failed. */
  async settle(): Promise<void> {
    await Promise.all(this.inFlight);
    if (this.failures.length > 0) throw this.failures[0];
  }
}

/**
 * One image, never throwing: a failure becomes an outcome so the run goes on. Throttling and
 * transient errors are retried here, and only here: the bucket is emptied (EC2's is) and the call
 * waits, backing off, for its next token. A rejected call deleted nothing, so retrying never
 * deletes twice.
 */
export async function deregisterImage(
  ec2: EC2Client,
  bucket: TokenBucket,
  timer: Timer,
  { imageId, resumed = false }: DeregisterRequest,
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
      if (resumed && GONE_CODES.has(code)) return { ok: true, snapshots: [] };
      if (isRetryable(error, code) && attempt < DEREGISTER_ATTEMPTS) {
        bucket.drain();
        await timer.sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** attempt));
        await bucket.take();
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      return { ok: false, code, message: message.slice(0, MAX_MESSAGE_LENGTH) };
    }
  }
}

/** Throttling, EC2's 5xx answers and network failures; never a refusal of the request itself. */
function isRetryable(error: unknown, code: string): boolean {
  if (THROTTLING_CODES.has(code)) return true;
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  if (status !== undefined) return status >= 500;
  // No HTTP answer at all: a timeout or a dropped connection.
  return ['TimeoutError', 'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].some(
    (name) => code === name || (error as { code?: string })?.code === name,
  );
}

function knownResult(code: string | undefined): { result?: SnapshotDeleteResult } {
  const known = SNAPSHOT_DELETE_RESULTS.find((result) => result === code);
  return known === undefined ? {} : { result: known };
}
