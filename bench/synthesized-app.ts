import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LOCAL_ACCOUNT_ID, LOCAL_REGION } from '../infra/local/account';
import { type LocalFunctionSpec, readLocalTemplate } from '../infra/local/template/local-template';

const run = promisify(execFile);

/** The metadata key the infra app puts on each function (`infra/template-metadata.ts`). */
const SERVICE_METADATA = 'ami-lifecycle:service';

/** Local stand-ins for the values CloudFormation would resolve at deploy time. */
export { LOCAL_ACCOUNT_ID as LOCAL_ACCOUNT, LOCAL_REGION } from '../infra/local/account';

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
  /** The template's environment, resolved to local values as the local cloud resolves it. */
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
  const stacks = Object.entries(manifest.artifacts).filter(
    ([, artifact]) => artifact.type === 'aws:cloudformation:stack',
  );
  const functions: SynthesizedFunction[] = [];
  for (const [stackName, stack] of stacks) {
    const templateFile = stack.properties?.templateFile;
    if (templateFile === undefined) continue;
    const template = JSON.parse(await readFile(join(outDir, templateFile), 'utf8')) as {
      Resources: Record<string, TemplateResource>;
    };
    // The same reading of the template the local cloud runs on: services and their environments.
    const local = readLocalTemplate(template, {
      region: LOCAL_REGION,
      accountId: LOCAL_ACCOUNT_ID,
      stackName,
      sourceRoot: projectRoot,
    });
    for (const spec of local.functions) {
      const resource = template.Resources[spec.logicalId] as TemplateResource;
      functions.push(describeFunction(outDir, spec, resource));
    }
  }
  if (functions.length === 0) {
    throw new Error(`no function carries the ${SERVICE_METADATA} metadata in ${outDir}`);
  }
  return { outDir, functions };
}

function describeFunction(
  outDir: string,
  spec: LocalFunctionSpec,
  resource: TemplateResource,
): SynthesizedFunction {
  const { service, logicalId } = spec;
  const assetPath = resource.Metadata?.['aws:asset:path'];
  if (typeof assetPath !== 'string') {
    throw new Error(`${service}: ${logicalId} has no aws:asset:path metadata`);
  }
  const handler = String(resource.Properties?.Handler ?? 'index.handler');
  const dot = handler.lastIndexOf('.');
  const assetDir = join(outDir, assetPath);
  const moduleName = handler.slice(0, dot);
  const entryFile = ['.mjs', '.js', '.cjs']
    .map((extension) => join(assetDir, moduleName + extension))
    .find((file) => existsSync(file));
  if (entryFile === undefined) {
    throw new Error(`${service}: the handler module ${moduleName} is not in ${assetDir}`);
  }
  return {
    service,
    logicalId,
    assetDir,
    entryFile,
    handlerExport: handler.slice(dot + 1),
    environment: spec.environment,
    memorySize: spec.memoryMb,
    timeoutSeconds: spec.timeoutSeconds,
  };
}
