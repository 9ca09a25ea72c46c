import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  FunctionInvocationError,
  LocalFunction,
} from '../../../infra/local/functions/local-function';

const directory = mkdtempSync(join(tmpdir(), 'local-function-'));
function handlerFile(name: string, source: string): string {
  const path = join(directory, name);
  writeFileSync(path, source);
  return path;
}

const started: LocalFunction[] = [];
function localFunction(
  entry: string,
  environment: Record<string, string> = {},
  timeoutSeconds = 5,
) {
  const created = new LocalFunction({
    functionName: 'test-function',
    entry,
    environment,
    timeoutSeconds,
  });
  started.push(created);
  return created;
}

afterEach(async () => {
  await Promise.all(started.splice(0).map((created) => created.close()));
});

describe('LocalFunction', () => {
  it('should run a TypeScript handler with its own environment and a Lambda context', async () => {
    const entry = handlerFile(
      'echo.ts',
      `const greeting: string = process.env.GREETING ?? 'unset';
       export const handler = async (event: { name: string }, context: { functionName: string; invokedFunctionArn: string; getRemainingTimeInMillis(): number }) =>
         ({ text: greeting + ' ' + event.name, fn: context.functionName, arn: context.invokedFunctionArn, remaining: context.getRemainingTimeInMillis() });`,
    );
    const result = await localFunction(entry, { GREETING: 'hello' }).invoke({ name: 'world' });
    expect(result).toMatchObject({
      text: 'hello world',
      fn: 'test-function',
      arn: 'arn:aws:lambda:us-east-1:123456789012:function:test-function',
    });
    expect((result as { remaining: number }).remaining).toBeGreaterThan(4000);
    expect(process.env.GREETING).toBeUndefined();
  });

  it('should report a thrown error with its name and message', async () => {
    const entry = handlerFile(
      'throws.ts',
      `class InvalidEventError extends Error { override name = 'InvalidEventError'; }
       export const handler = async () => { throw new InvalidEventError('detail.data: bad'); };`,
    );
    await expect(localFunction(entry).invoke({})).rejects.toThrow(
      /test-function failed with InvalidEventError: detail.data: bad/,
    );
  });

  it('should fail every invocation when the module fails at cold start', async () => {
    const entry = handlerFile(
      'bad-config.ts',
      `if (!process.env.EVENT_BUS_NAME) throw new Error('EVENT_BUS_NAME: must be set');
       export const handler = async () => 'ok';`,
    );
    const fn = localFunction(entry);
    await expect(fn.invoke({})).rejects.toThrow(/EVENT_BUS_NAME: must be set/);
    await expect(fn.invoke({})).rejects.toThrow(/EVENT_BUS_NAME: must be set/);
  });

  it('should time out like Lambda and keep serving later invocations', async () => {
    const entry = handlerFile(
      'slow.ts',
      `export const handler = async (event: { ms: number }) => {
         await new Promise((resolve) => setTimeout(resolve, event.ms));
         return 'done';
       };`,
    );
    const fn = localFunction(entry, {}, 1);
    const error = await fn.invoke({ ms: 5000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FunctionInvocationError);
    expect((error as FunctionInvocationError).errorType).toBe('Sandbox.Timedout');
    await expect(fn.invoke({ ms: 1 })).resolves.toBe('done');
  });

  it('should run concurrent invocations in separate environments', async () => {
    const entry = handlerFile(
      'concurrent.ts',
      `let invocations = 0;
       export const handler = async () => {
         invocations += 1;
         const seen = invocations;
         await new Promise((resolve) => setTimeout(resolve, 200));
         return seen;
       };`,
    );
    const fn = localFunction(entry);
    const results = await Promise.all([fn.invoke({}), fn.invoke({}), fn.invoke({})]);
    // Each environment counted only its own invocation.
    expect(results).toEqual([1, 1, 1]);
  });
});
