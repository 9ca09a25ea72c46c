import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EnvironmentBudget } from '../../../infra/local/functions/environment-budget';
import {
  FunctionInvocationError,
  LocalFunction,
  type LocalFunctionOptions,
} from '../../../infra/local/functions/local-function';
import { temporaryFolder } from '../../tools';

const directory = temporaryFolder('local-function');
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
  more: Partial<LocalFunctionOptions> = {},
) {
  const created = new LocalFunction({
    functionName: 'test-function',
    entry,
    environment,
    timeoutSeconds,
    ...more,
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

  it('should import a bundle as it is, without a TypeScript loader', async () => {
    const entry = handlerFile(
      'bundle.mjs',
      `export const handler = async () => ({ loaders: process.execArgv.join(' '), url: import.meta.url });`,
    );
    const result = (await localFunction(entry).invoke({})) as { url: string };
    // tsx would have handed the module its own URL with a query; a plain import keeps the file's.
    expect(result.url).toBe(`file://${entry}`);
  });

  it("should fail an invocation that outgrows the function's memory, and serve the next", async () => {
    const entry = handlerFile(
      'hungry.mjs',
      `export const handler = async (event) => {
         const kept = [];
         if (event.grow) for (;;) kept.push(new Array(100_000).fill(kept.length));
         return 'small';
       };`,
    );
    const fn = localFunction(entry, {}, 30, { memoryMb: 64 });
    const error = await fn.invoke({ grow: true }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(FunctionInvocationError);
    expect((error as FunctionInvocationError).errorType).toBe('Runtime.ExitError');
    expect((error as Error).message).toMatch(/out of memory \(64 MB\)/);
    await expect(fn.invoke({ grow: false })).resolves.toBe('small');
  });
});

describe('LocalFunction with an environment budget', () => {
  const counting = handlerFile(
    'counting.mjs',
    `let invocations = 0;
     export const handler = async (event) => {
       invocations += 1;
       await new Promise((resolve) => setTimeout(resolve, event.ms ?? 0));
       return invocations;
     };`,
  );

  it('should take an idle environment of another function when the budget is spent', async () => {
    const budget = new EnvironmentBudget(1);
    const first = localFunction(counting, {}, 5, { budget, functionName: 'first' });
    const second = localFunction(counting, {}, 5, { budget, functionName: 'second' });
    await expect(first.invoke({})).resolves.toBe(1);
    // The one environment is first's, idle: second reclaims it and starts cold.
    await expect(second.invoke({})).resolves.toBe(1);
    // And first, cold again, counts from one.
    await expect(first.invoke({})).resolves.toBe(1);
  });

  it('should make an invocation wait while every environment is busy, then serve it', async () => {
    const budget = new EnvironmentBudget(1);
    const first = localFunction(counting, {}, 5, { budget, functionName: 'first' });
    const second = localFunction(counting, {}, 5, { budget, functionName: 'second' });
    const order: string[] = [];
    // first takes the one environment at once, before second asks for it.
    const busy = first.invoke({ ms: 300 }).then(() => order.push('first'));
    const waiting = second.invoke({}).then(() => order.push('second'));
    await Promise.all([busy, waiting]);
    expect(order).toEqual(['first', 'second']);
  });

  it('should keep within the budget under a burst of invocations of several functions', async () => {
    const budget = new EnvironmentBudget(2);
    const functions = ['a', 'b', 'c'].map((name) =>
      localFunction(counting, {}, 5, { budget, functionName: name }),
    );
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, index) => functions[index % 3]?.invoke({ ms: 5 })),
    );
    expect(results).toHaveLength(30);
    expect(results.every((result) => typeof result === 'number')).toBe(true);
    expect(budget.inUse).toBeLessThanOrEqual(2);
  });
});
