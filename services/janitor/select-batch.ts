import type { CandidateKey } from './cursor';
import { compareKeys } from './cursor';
import type { DeployImage } from './deploy-image';
import {
  type Candidate,
  expiryCutoffMs,
  isExpired,
  type SelectionSettings,
  toCandidate,
} from './select-expired-images';

export interface BatchSettings extends SelectionSettings {
  /** The last key the run has decided; the batch starts strictly after it. */
  readonly after?: CandidateKey;
  /** Most candidates one batch returns (≥ 1). */
  readonly batchSize: number;
}

export interface Batch {
  /** In the run's order (instance name, creation date, image id). */
  readonly candidates: Candidate[];
  /** No expired image lies beyond the last candidate: the run ends with this batch. */
  readonly exhausted: boolean;
}

/**
 * The next batch of a purge run, in one pass over the account's Deploy images: the
 * `batchSize` expired candidates with the smallest keys after `after`, each with the verdict of
 * the rules that need no lookup (keep-latest, retention tag, deregistration protection, AWS
 * Backup). Keep-latest is judged over every page, so a name's newest images count even when
 * they lie outside the batch. Memory is O(names × keepLatest + batchSize), whatever the number
 * of images; the pages must not repeat an image (`listDeployImagePages` does not).
 */
export async function selectBatch(
  pages: AsyncIterable<readonly DeployImage[]>,
  settings: BatchSettings,
): Promise<Batch> {
  const { now, retentionDays, keepLatest, after, batchSize } = settings;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`batchSize must be a positive integer, not ${batchSize}`);
  }
  const cutoffMs = expiryCutoffMs(now, retentionDays);
  const newest = new NewestPerName(keepLatest);
  const smallest = new BoundedMaxHeap(batchSize);
  let beyond = false;
  for await (const page of pages) {
    for (const image of page) {
      if (image.state === 'available') newest.offer(image);
      if (!isExpired(image, cutoffMs)) continue;
      if (after !== undefined && compareKeys(image, after) <= 0) continue;
      if (smallest.offer(image)) beyond = true;
    }
  }
  const newestIds = newest.imageIds();
  return {
    candidates: smallest
      .drainSorted()
      .map((image) => toCandidate(image, now, newestIds, keepLatest)),
    exhausted: !beyond,
  };
}

/** The newest `keepLatest` images of each name, by key: creation date, then image id. */
class NewestPerName {
  private readonly byName = new Map<string, CandidateKey[]>();

  constructor(private readonly keepLatest: number) {}

  offer(image: DeployImage): void {
    const key: CandidateKey = {
      instanceName: image.instanceName,
      createdAt: image.createdAt,
      imageId: image.imageId,
    };
    let newest = this.byName.get(key.instanceName);
    if (newest === undefined) {
      newest = [];
      this.byName.set(key.instanceName, newest);
    }
    // Oldest first; an image seen twice must not take two places, or an older one would go.
    if (newest.some((kept) => kept.imageId === key.imageId)) return;
    if (newest.length === this.keepLatest) {
      if (compareKeys(key, newest[0] as CandidateKey) <= 0) return;
      newest.shift();
    }
    let index = newest.length;
    while (index > 0 && compareKeys(newest[index - 1] as CandidateKey, key) > 0) index -= 1;
    newest.splice(index, 0, key);
  }

  imageIds(): Set<string> {
    const ids = new Set<string>();
    for (const newest of this.byName.values()) for (const key of newest) ids.add(key.imageId);
    return ids;
  }
}

/**
 * The `capacity` images with the smallest keys offered so far: a max-heap whose root is the
 * largest key kept, so a smaller key replaces it in O(log capacity).
 */
class BoundedMaxHeap {
  private readonly items: DeployImage[] = [];

  constructor(private readonly capacity: number) {}

  /** Keeps the image if it is among the smallest; true when an image was left out for good. */
  offer(image: DeployImage): boolean {
    if (this.items.length < this.capacity) {
      this.items.push(image);
      this.siftUp(this.items.length - 1);
      return false;
    }
    const largest = this.items[0] as DeployImage;
    const order = compareKeys(image, largest);
    // An equal key is the same image offered twice: nothing new lies beyond.
    if (order >= 0) return order > 0;
    this.items[0] = image;
    this.siftDown(0);
    return true;
  }

  /** Every image kept, in ascending key order, without repeats; the heap is left empty. */
  drainSorted(): DeployImage[] {
    const sorted = this.items.splice(0).sort(compareKeys);
    return sorted.filter((image, index) => {
      const previous = sorted[index - 1];
      return previous === undefined || compareKeys(previous, image) !== 0;
    });
  }

  private siftUp(start: number): void {
    const { items } = this;
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (compareKeys(items[parent] as DeployImage, items[index] as DeployImage) >= 0) return;
      this.swap(parent, index);
      index = parent;
    }
  }

  private siftDown(start: number): void {
    const { items } = this;
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let largest = index;
      if (
        left < items.length &&
        compareKeys(items[left] as DeployImage, items[largest] as DeployImage) > 0
      ) {
        largest = left;
      }
      if (
        right < items.length &&
        compareKeys(items[right] as DeployImage, items[largest] as DeployImage) > 0
      ) {
        largest = right;
      }
      if (largest === index) return;
      this.swap(index, largest);
      index = largest;
    }
  }

  private swap(a: number, b: number): void {
    const { items } = this;
    [items[a], items[b]] = [items[b] as DeployImage, items[a] as DeployImage];
  }
}
