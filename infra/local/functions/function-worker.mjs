// One Lambda execution environment: a worker thread with its own process.env, which imports the
// function's module exactly once, like a cold start, and then runs one invocation at a time. A
// bundle (what Lambda runs) is imported as it is; TypeScript source goes through tsx.
import { enableCompileCache, flushCompileCache } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';

const { entry, exportName, functionName, functionArn, memoryMb } = workerData;
// The template sets NODE_OPTIONS=--enable-source-maps, which a worker cannot take as a flag.
if (process.env.NODE_OPTIONS?.includes('--enable-source-maps')) process.setSourceMapsEnabled(true);
const bundled = /\.[cm]?js$/.test(entry);
// V8's compiled code for the bundle is kept beside it: the next cold start of the same bundle
// skips most of compiling several hundred kilobytes of minified code (about a quarter of an
// environment's start). Written now, since an environment is usually terminated, not exited.
if (bundled) enableCompileCache(join(dirname(entry), '.compile-cache'));
const module = bundled
  ? await import(pathToFileURL(entry).href)
  : await (await import('tsx/esm/api')).tsImport(entry, import.meta.url);
if (bundled) flushCompileCache();
const handler = module[exportName];
if (typeof handler !== 'function') {
  throw new Error(`${entry} does not export a function named ${exportName}`);
}

parentPort.on('message', async ({ requestId, event, deadline }) => {
  const context = {
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: functionArn,
    memoryLimitInMB: String(memoryMb),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  try {
    const result = await handler(event, context);
    parentPort.postMessage({ requestId, ok: true, result: result ?? null });
  } catch (error) {
    parentPort.postMessage({
      requestId,
      ok: false,
      error: {
        name: error?.name ?? 'Error',
        message: error?.message ?? String(error),
        stack: error?.stack,
      },
    });
  }
});
parentPort.postMessage({ ready: true });
