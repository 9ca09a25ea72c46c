import { type EventEnvelope, EventsApiError, type TargetSpec } from './model';

/**
 * Builds what a target receives from an event: its constant `input`, the part of the event its
 * `inputPath` selects, or the whole event. Checked at registration, so a bad target fails the
 * `PutTargets` call rather than every delivery.
 */
export function compileTargetInput(target: TargetSpec): (event: EventEnvelope) => unknown {
  if (target.input !== undefined && target.inputPath !== undefined) {
    throw new EventsApiError(
      'ValidationException',
      `Target ${target.id}: Input and InputPath are mutually exclusive.`,
    );
  }
  if (target.input !== undefined) {
    let constant: unknown;
    try {
      constant = JSON.parse(target.input);
    } catch {
      throw new EventsApiError(
        'ValidationException',
        `Target ${target.id}: Input is not valid JSON.`,
      );
    }
    return () => structuredClone(constant);
  }
  if (target.inputPath !== undefined) {
    const steps = parseJsonPath(target.inputPath, target.id);
    return (event) => steps.reduce<unknown>((value, step) => (value as never)?.[step], event);
  }
  return (event) => event;
}

/** `$`, `$.a.b`, `$.a[0]` and `$['a-b']`: the JSONPath subset EventBridge's InputPath takes. */
function parseJsonPath(path: string, targetId: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const token = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']+)'\]/y;
  if (!path.startsWith('$')) throw invalidPath(path, targetId);
  token.lastIndex = 1;
  while (token.lastIndex < path.length) {
    const match = token.exec(path);
    if (!match) throw invalidPath(path, targetId);
    steps.push(match[1] ?? match[3] ?? Number(match[2]));
  }
  return steps;
}

function invalidPath(path: string, targetId: string): EventsApiError {
  return new EventsApiError(
    'ValidationException',
    `Target ${targetId}: InputPath ${JSON.stringify(path)} is not a supported JSONPath.`,
  );
}
