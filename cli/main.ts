import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import { systemClock } from '../services/shared/clock';
import type { CliDeps } from './cli-deps';
import { PollIntervalError, pollIntervalFrom } from './poll-interval';
import { runCli } from './program';
import { createSigV4Signer, regionOfApiHost } from './sign-request';

const credentials = fromNodeProviderChain();

let pollIntervalMs: number;
try {
  pollIntervalMs = pollIntervalFrom(process.env);
} catch (error) {
  if (!(error instanceof PollIntervalError)) throw error;
  process.stderr.write(`ami-lifecycle: ${error.message}\n`);
  process.exit(2);
}

const deps: CliDeps = {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  clock: systemClock,
  sleep: (ms) => sleep(ms),
  fetch: globalThis.fetch,
  pollIntervalMs,
  newRequestId: randomUUID,
  readStackApiUrl: async (stackName) => {
    const { readStackApiUrl } = await import('./stack-output');
    return readStackApiUrl(await cloudFormation(), stackName);
  },
  signerFor: async (apiUrl) => {
    // A custom domain names no Region: then the SDK's chain (AWS_REGION, profile) decides.
    const region =
      regionOfApiHost(apiUrl.hostname) ?? (await (await cloudFormation()).config.region());
    return createSigV4Signer({ credentials, region });
  },
  ec2For: async ({ endpointUrl, region, local }) => {
    const { EC2Client } = await import('@aws-sdk/client-ec2');
    return new EC2Client({
      endpoint: endpointUrl,
      region,
      credentials: local ? { accessKeyId: 'local', secretAccessKey: 'local' } : credentials,
    });
  },
};

/** Loaded on first use: most commands against an API URL never need CloudFormation. */
async function cloudFormation() {
  const { CloudFormationClient } = await import('@aws-sdk/client-cloudformation');
  return new CloudFormationClient({});
}

process.exitCode = await runCli(process.argv.slice(2), deps);
