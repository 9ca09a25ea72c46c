import { existsSync, readFileSync } from 'node:fs';
import * as z from '../../../events/zod';
import { writeFileDurably } from '../persistence/durable-files';

export type ExecutionStatus = 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'TIMED_OUT' | 'ABORTED';

/** One execution as persisted and as DescribeExecution reports it (dates ISO-8601). */
export interface ExecutionRecord {
  readonly executionArn: string;
  readonly stateMachineArn: string;
  readonly name: string;
  readonly status: ExecutionStatus;
  readonly startDate: string;
  readonly stopDate?: string;
  /** JSON text, as given to StartExecution. */
  readonly input: string;
  /** JSON text of the final output, when SUCCEEDED. */
  readonly output?: string;
  readonly error?: string;
  readonly cause?: string;
  /** For a child execution of a distributed Map: the Map Run that started it. */
  readonly mapRunArn?: string;
}

const recordSchema = z.object({
  executionArn: z.string(),
  stateMachineArn: z.string(),
  name: z.string(),
  status: z.enum(['RUNNING', 'SUCCEEDED', 'FAILED', 'TIMED_OUT', 'ABORTED']),
  startDate: z.string(),
  stopDate: z.optional(z.string()),
  input: z.string(),
  output: z.optional(z.string()),
  error: z.optional(z.string()),
  cause: z.optional(z.string()),
  mapRunArn: z.optional(z.string()),
});

const fileSchema = z.object({ version: z.literal(1), executions: z.array(recordSchema) });

/** Reads the state file; a missing file is an empty history, a corrupt one is an error naming it. */
export function loadExecutions(path: string): ExecutionRecord[] {
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`${path}: not valid JSON (${(error as Error).message})`);
  }
  const result = fileSchema.safeParse(parsed);
  if (!result.success) throw new Error(`${path}: not a Step Functions state file`);
  return result.data.executions;
}

/**
 * Written at every start and end of an execution, durably (temporary file, fsync, rename), so
 * StartExecution's answer means the execution runs again after a kill, and a torn file never is.
 */
export function saveExecutions(path: string, executions: readonly ExecutionRecord[]): void {
  writeFileDurably(path, `${JSON.stringify({ version: 1, executions })}\n`);
}
