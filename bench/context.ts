import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchContext, BenchMode } from './benchmark';
import { provideRuntimePackages } from './lambda-sandbox';
import { type SynthesizedApp, synthesizeApp } from './synthesized-app';

/** Lambda's `nodejs24.x`: the measured processes run this major version. */
const LAMBDA_NODE_MAJOR = 24;

export interface RunContext extends BenchContext {
  readonly nodeVersion: string;
  dispose(): Promise<void>;
}

export async function createContext(mode: BenchMode, projectRoot: string): Promise<RunContext> {
  const { node, version } = lambdaNode(projectRoot);
  const workDir = await mkdtemp(join(tmpdir(), 'ami-lifecycle-bench-'));
  // Every bundle of the run lives under workDir, so they all resolve the runtime's packages.
  await provideRuntimePackages(projectRoot, workDir);
  const started = performance.now();
  let synthesized: Promise<SynthesizedApp> | undefined;
  const log = (message: string) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1).padStart(6);
    process.stderr.write(`[bench ${seconds}s] ${message}\n`);
  };
  return {
    mode,
    projectRoot,
    workDir,
    node,
    nodeVersion: version,
    log,
    synth() {
      synthesized ??= (async () => {
        log('cdk synth (with bundling)');
        return synthesizeApp(projectRoot, join(workDir, 'cdk.out'));
      })();
      return synthesized;
    },
    dispose: () => rm(workDir, { recursive: true, force: true }),
  };
}

/**
 * The bench itself may run on another Node.js (plain `node` can be older here); measured
 * processes use this one when it is the Lambda major, else the project's `node` package.
 */
function lambdaNode(projectRoot: string): { node: string; version: string } {
  const candidates = [process.execPath, join(projectRoot, 'node_modules', '.bin', 'node')];
  for (const node of candidates) {
    if (!existsSync(node)) continue;
    const version = execFileSync(node, ['--version'], { encoding: 'utf8' }).trim();
    if (version.startsWith(`v${LAMBDA_NODE_MAJOR}.`)) return { node, version };
  }
  throw new Error(
    `no Node.js ${LAMBDA_NODE_MAJOR} found (tried ${candidates.join(', ')}): run npm run bench`,
  );
}
