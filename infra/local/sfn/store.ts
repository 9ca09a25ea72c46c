import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import * as z from '../../../events/zod';

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

/** Writes through a temporary file and a rename, so a crash never leaves a torn state file. */
export function saveExecutions(path: string, executions: readonly ExecutionRecord[]): void {
  mkdirSync(dirname(path), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify({ version: 1, executions }, null, 2)}\n`);
  renameSync(temporary, path);
}
