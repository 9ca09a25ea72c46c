import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The metadata key the infra app puts on each function (`infra/template-metadata.ts`). */
const SERVICE_METADATA = 'ami-lifecycle:service';

/** Local stand-ins for the values CloudFormation would resolve at deploy time. */
export const LOCAL_ACCOUNT = '123456789012';
export const LOCAL_REGION = 'us-east-1';

/** One Lambda function of the synthesized template, with its bundle as CDK built it. */
export interface SynthesizedFunction {
  /** `api`, `creator`, `notifier`, `janitor`. */
  readonly service: string;
  readonly logicalId: string;
  /** The bundled asset directory (`aws:asset:path`), what Lambda unpacks into /var/task. */
  readonly assetDir: string;
  /** The module file the `Handler` property names. */
  readonly entryFile: string;
  /** The export the `Handler` property names. */
  readonly handlerExport: string;
  /** The template's environment, with references replaced by local values. */
  readonly environment: Readonly<Record<string, string>>;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
}

export interface SynthesizedApp {
  readonly outDir: string;
  readonly functions: readonly SynthesizedFunction[];
}

interface TemplateResource {
  readonly Type: string;
  readonly Metadata?: Record<string, unknown>;
  readonly Properties?: Record<string, unknown>;
}

/**
 * `cdk synth` into `outDir` with the app's real bundling, then reads each function's asset and
 * environment from the template: the bench measures exactly what a deployment would upload.
 */
export async function synthesizeApp(projectRoot: string, outDir: string): Promise<SynthesizedApp> {
  try {
    await run('npx', ['cdk', 'synth', '--no-notices', '--quiet', '--output', outDir], {
      cwd: projectRoot,
      maxBuffer: 64 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`cdk synth failed: ${stderr.trim().split('\n').slice(-15).join('\n')}`, {
      cause: error,
    });
  }
  const manifest = JSON.parse(await readFile(join(outDir, 'manifest.json'), 'utf8')) as {
    artifacts: Record<string, { type: string; properties?: { templateFile?: string } }>;
  };
  const stacks = Object.values(manifest.artifacts).filter(
    (artifact) => artifact.type === 'aws:cloudformation:stack',
  );
  const functions: SynthesizedFunction[] = [];
  for (const stack of stacks) {
    const templateFile = stack.properties?.templateFile;
    if (templateFile === undefined) continue;
    const template = JSON.parse(await readFile(join(outDir, templateFile), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    for (const [logicalId, resource] of Object.entries(template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const service = resource.Metadata?.[SERVICE_METADATA];
      // Functions CDK adds on its own (log retention, custom resources) are not services.
      if (typeof service !== 'string') continue;
      functions.push(describeFunction(outDir, template.Resources, logicalId, service, resource));
    }
  }
  if (functions.length === 0) {
    throw new Error(`no function carries the ${SERVICE_METADATA} metadata in ${outDir}`);
  }
  return { outDir, functions };
}

function describeFunction(
  outDir: string,
  resources: Record<string, TemplateResource>,
  logicalId: string,
  service: string,
  resource: TemplateResource,
): SynthesizedFunction {
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(`${service}: ${logicalId} has no aws:asset:path metadata`);
  }
  const properties = resource.Properties ?? {};
  const handler = String(properties.Handler ?? 'index.handler');
  const dot = handler.lastIndexOf('.');
  const assetDir = join(outDir, assetPath);
  const moduleName = handler.slice(0, dot);
  const entryFile = ['.mjs', '.js', '.cjs']
    .map((extension) => join(assetDir, moduleName + extension))
    .find((file) => existsSync(file));
  if (entryFile === undefined) {
    throw new Error(`${service}: the handler module ${moduleName} is not in ${assetDir}`);
  }
  const variables =
    (properties.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ??
    {};
  return {
    service,
    logicalId,
    assetDir,
    entryFile,
    handlerExport: handler.slice(dot + 1),
    environment: Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        localValue(resources, value, `${service}: ${name}`),
      ]),
    ),
    memorySize: Number(properties.MemorySize ?? 128),
    timeoutSeconds: Number(properties.Timeout ?? 3),
  };
}

/**
 * What `Ref` returns for the resource types the functions' environments refer to; a new kind of
 * reference fails loudly so the bench never runs a function with a made-up setting.
 */
function localValue(
  resources: Record<string, TemplateResource>,
  value: unknown,
  where: string,
): string {
  if (typeof value === 'string') return value;
  const ref = (value as { Ref?: unknown } | null)?.Ref;
  const type = typeof ref === 'string' ? resources[ref]?.Type : undefined;
  switch (type) {
    case 'AWS::Events::EventBus':
      return `${ref}-local`;
    case 'AWS::StepFunctions::StateMachine':
      return `arn:aws:states:${LOCAL_REGION}:${LOCAL_ACCOUNT}:stateMachine:${ref}`;
    case 'AWS::SecretsManager::Secret':
      return `arn:aws:secretsmanager:${LOCAL_REGION}:${LOCAL_ACCOUNT}:secret:${ref}-AbCdEf`;
    default:
      throw new Error(`${where}: no local value for ${JSON.stringify(value)}`);
  }
}
