import { instanceNameSchema } from '../events/fields';
import { LOCAL_REGION } from '../infra/local/account';
import { janitorConfigSchema } from '../services/janitor/config';
import type { TargetOptions } from './api-context';
import type { CliDeps, Ec2Endpoint } from './cli-deps';
import { CliError, EXIT, type ExitCode, UsageError } from './exit-codes';
import type { PurgePlanRow } from './purge-plan';
import { formatPurgeTable } from './purge-table';
import { isLocalHost, resolveApiTarget } from './target';

/** The local cloud's AWS endpoint (infra/local/main.ts: `--aws-port`, default 4566). */
export const LOCAL_AWS_ENDPOINT = 'http://127.0.0.1:4566';

/** The janitor's own defaults (services/janitor/config.ts), so the preview judges as it does. */
export const JANITOR_DEFAULTS = {
  retentionDays: janitorConfigSchema.shape.RETENTION_DAYS.parse(undefined),
  keepLatest: janitorConfigSchema.shape.KEEP_LATEST.parse(undefined),
  maxDeletionsPerRun: janitorConfigSchema.shape.MAX_DELETIONS_PER_RUN.parse(undefined),
};

export interface PurgeOptions extends TargetOptions {
  readonly dryRun?: boolean;
  readonly name?: string;
  readonly endpointUrl?: string;
  readonly region?: string;
  readonly retentionDays: number;
  readonly keepLatest: number;
  readonly maxDeletions: number;
}

/** `purge --dry-run`: the janitor's plan as a table. Never deletes anything. */
export async function runPurge(deps: CliDeps, options: PurgeOptions): Promise<ExitCode> {
  if (!options.dryRun) {
    throw new UsageError(
      'purge only previews (--dry-run): purges run on the janitor’s daily schedule, or when an AmiPurgeRequested event asks for one',
    );
  }
  if (options.name !== undefined && !instanceNameSchema.safeParse(options.name).success) {
    throw new UsageError(`not an instance name: ${options.name}`);
  }
  const endpoint = await ec2Endpoint(deps, options);
  const ec2 = await deps.ec2For(endpoint);
  // The janitor's selection and the EC2 client load only for this command.
  const { planPurge } = await import('./purge-plan');
  let rows: PurgePlanRow[];
  try {
    rows = await planPurge(ec2, {
      instanceName: options.name,
      now: deps.clock(),
      retentionDays: options.retentionDays,
      keepLatest: options.keepLatest,
      maxDeletionsPerRun: options.maxDeletions,
    });
  } catch (error) {
    const region = endpoint.region ?? (await ec2.config.region().catch(() => 'no Region'));
    throw describeEc2Error(error, endpoint, region);
  }
  if (rows.length === 0) {
    deps.stdout.write('no deploy AMIs found\n');
    return EXIT.ok;
  }
  deps.stdout.write(formatPurgeTable(rows));
  const deletions = rows.filter((row) => row.decision === 'delete').length;
  deps.stdout.write(
    `\n${deletions} of ${rows.length} would be deleted (retention ${options.retentionDays} days, keep latest ${options.keepLatest}).\n` +
      'Not checked here: use by instances, launch templates, SSM parameters or Image Builder recipes, and sharing with other accounts; the janitor checks these right before each deletion.\n',
  );
  return EXIT.ok;
}

/** `--endpoint-url`, else the local cloud's AWS endpoint when the API target is local, else AWS. */
async function ec2Endpoint(deps: CliDeps, options: PurgeOptions): Promise<Ec2Endpoint> {
  if (options.endpointUrl !== undefined) {
    let url: URL;
    try {
      url = new URL(options.endpointUrl);
    } catch (error) {
      throw new UsageError(`not a URL: ${options.endpointUrl}`, { cause: error });
    }
    const local = isLocalHost(url.hostname);
    return {
      endpointUrl: options.endpointUrl,
      region: options.region ?? (local ? LOCAL_REGION : undefined),
      local,
    };
  }
  const target = await resolveApiTarget({
    apiUrl: options.apiUrl,
    env: deps.env,
    stackName: options.stackName,
    readStackApiUrl: deps.readStackApiUrl,
  });
  if (target.local) {
    return { endpointUrl: LOCAL_AWS_ENDPOINT, region: options.region ?? LOCAL_REGION, local: true };
  }
  return { region: options.region, local: false };
}

/** Network failures carry a Node error code; EC2's own errors a name such as `UnauthorizedOperation`. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
]);

function describeEc2Error(error: unknown, endpoint: Ec2Endpoint, region: string): CliError {
  if (!(error instanceof Error)) return new CliError(String(error), EXIT.usage);
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && NETWORK_CODES.has(code)) {
    const where = endpoint.endpointUrl ?? `EC2 in ${region}`;
    return new CliError(`cannot reach EC2 at ${where}: ${error.message}`, EXIT.usage, {
      cause: error,
    });
  }
  const where = endpoint.endpointUrl === undefined ? `in ${region}` : `at ${endpoint.endpointUrl}`;
  return new CliError(
    `EC2 DescribeImages ${where} failed: ${error.name}: ${error.message}`,
    EXIT.usage,
    { cause: error },
  );
}
