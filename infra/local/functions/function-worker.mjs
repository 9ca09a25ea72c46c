// One Lambda execution environment: a worker thread with its own process.env, which imports the
// service's handler module from source (TypeScript through tsx) exactly once, like a cold start,
// and then runs one invocation at a time.
import { parentPort, workerData } from 'node:worker_threads';
import { tsImport } from 'tsx/esm/api';

const { entry, exportName, functionName, functionArn, memoryMb } = workerData;
const module = await tsImport(entry, import.meta.url);
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
