import {
  DescribeExecutionCommand,
  type SFNClient,
  StartExecutionCommand,
} from '@aws-sdk/client-sfn';
import { describeIssues } from '../../events/issues';
import {
  type WatcherImage,
  type WatcherInput,
  watcherInputSchema,
} from '../../events/watcher-input';
import { executionArnOf, requestScopedName } from './execution-names';

/** What one hand-over to the watcher did. */
export interface WatcherStart {
  /** The executions that watch the given images. */
  readonly executionArns: string[];
  /**
   * Ids of the images this call got watched; the others were watched by an execution an earlier
   * call had started. (A repeated call with the very same input cannot be told from the first:
   * Step Functions answers both alike, so its images count as started here.)
   */
  readonly startedImageIds: ReadonlySet<string>;
}

export class WatcherStartError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'WatcherStartError';
  }
}

/**
 * Starts the watcher for a request's images so that every image is watched by exactly one
 * execution, however often the request is delivered.
 *
 * The execution is named after the request id: Step Functions answers a repeated StartExecution
 * with the same name and input by returning the running execution. It answers
 * `ExecutionAlreadyExists` when the input differs (a redelivery carries a later `deadlineAt`, and
 * may have one more image) or the execution has finished; then the images the existing execution
 * does not cover each get their own execution, named `<requestId>-<hash of the image id>`, so that
 * any later delivery maps the same image to the same name again. An image already watched keeps
 * the deadline it was started with.
 */
export async function startWatcher(
  sfn: SFNClient,
  stateMachineArn: string,
  watcherInput: WatcherInput,
): Promise<WatcherStart> {
  const input = parseWatcherInput(watcherInput, 'the watcher input');
  const main = await startOrFind(sfn, stateMachineArn, input.requestId, input);
  if (main.started) {
    return {
      executionArns: [main.executionArn],
      startedImageIds: new Set(input.images.map((image) => image.imageId)),
    };
  }

  const covered = await describeCoveredImages(sfn, main.executionArn);
  const missing = input.images.filter((image) => !covered.has(image.imageId));
  const extras = await Promise.all(
    missing.map((image) =>
      startOrFind(sfn, stateMachineArn, extraExecutionName(image), {
        requestId: input.requestId,
        images: [image],
      }),
    ),
  );
  return {
    executionArns: [
      ...(missing.length < input.images.length ? [main.executionArn] : []),
      ...extras.map((extra) => extra.executionArn),
    ],
    startedImageIds: new Set(
      missing.filter((_, index) => extras[index]?.started).map((image) => image.imageId),
    ),
  };
}

/** The execution of an image no earlier execution of its request covers. */
export function extraExecutionName(image: WatcherImage): string {
  return requestScopedName(image.requestId, image.imageId);
}

async function startOrFind(
  sfn: SFNClient,
  stateMachineArn: string,
  name: string,
  input: WatcherInput,
): Promise<{ executionArn: string; started: boolean }> {
  try {
    const { executionArn } = await sfn.send(
      new StartExecutionCommand({ stateMachineArn, name, input: JSON.stringify(input) }),
    );
    return { executionArn: executionArn ?? executionArnOf(stateMachineArn, name), started: true };
  } catch (error) {
    if (!(error instanceof Error) || error.name !== 'ExecutionAlreadyExists') throw error;
    return { executionArn: executionArnOf(stateMachineArn, name), started: false };
  }
}

async function describeCoveredImages(sfn: SFNClient, executionArn: string): Promise<Set<string>> {
  const { input } = await sfn.send(new DescribeExecutionCommand({ executionArn }));
  let json: unknown;
  try {
    json = JSON.parse(input ?? '');
  } catch (error) {
    throw new WatcherStartError(`the input of ${executionArn} is not JSON`, { cause: error });
  }
  const existing = parseWatcherInput(json, `the input of ${executionArn}`);
  return new Set(existing.images.map((image) => image.imageId));
}

function parseWatcherInput(value: unknown, what: string): WatcherInput {
  const result = watcherInputSchema.safeParse(value);
  if (!result.success) {
    throw new WatcherStartError(`${what} is not a watcher input: ${describeIssues(result.error)}`, {
      cause: result.error,
    });
  }
  return result.data;
}
