import { imageIdSchema, instanceNameSchema, timestampSchema } from '../../events/fields';

/**
 * A candidate's place in a run's deterministic order: instance name, then creation date, then
 * image id. A continuation resumes strictly after the last key the previous part decided.
 */
export interface CandidateKey {
  readonly instanceName: string;
  readonly createdAt: string;
  readonly imageId: string;
}

export class InvalidCursorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'InvalidCursorError';
  }
}

// Instance names cannot contain `|` (EC2 does not allow it in AMI names), so it separates safely.
const SEPARATOR = '|';

export function encodeCursor(key: CandidateKey): string {
  return [key.instanceName, key.createdAt, key.imageId].join(SEPARATOR);
}

export function decodeCursor(cursor: string): CandidateKey {
  const [instanceName, createdAt, imageId, ...rest] = cursor.split(SEPARATOR);
  const key = {
    instanceName: instanceNameSchema.safeParse(instanceName),
    createdAt: timestampSchema.safeParse(createdAt),
    imageId: imageIdSchema.safeParse(imageId),
  };
  if (
    rest.length > 0 ||
    !key.instanceName.success ||
    !key.createdAt.success ||
    !key.imageId.success
  ) {
    throw new InvalidCursorError(`not a janitor cursor: ${cursor.slice(0, 200)}`);
  }
  return {
    instanceName: key.instanceName.data,
    createdAt: new Date(key.createdAt.data).toISOString(),
    imageId: key.imageId.data,
  };
}

/** Plain code-unit order (never locale-dependent), so every invocation sorts the same way. */
export function compareKeys(a: CandidateKey, b: CandidateKey): number {
  return (
    compareText(a.instanceName, b.instanceName) ||
    compareText(a.createdAt, b.createdAt) ||
    compareText(a.imageId, b.imageId)
  );
}

function compareText(a: string, b: string): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
