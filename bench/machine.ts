import { cpus, freemem, loadavg, release, totalmem, type } from 'node:os';

export interface Machine {
  readonly cpuModel: string;
  readonly cores: number;
  /** The 1-minute load average when the run started: a busy machine explains slow figures. */
  readonly loadAverage: number;
  readonly memoryGiB: number;
  readonly freeMemoryGiB: number;
  readonly os: string;
  /** The Node.js that runs the measured child processes. */
  readonly nodeVersion: string;
}

export function describeMachine(nodeVersion: string): Machine {
  const gib = (bytes: number) => Math.round((bytes / 2 ** 30) * 10) / 10;
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
    memoryGiB: gib(totalmem()),
    freeMemoryGiB: gib(freemem()),
    os: `${type()} ${release()}`,
    nodeVersion,
  };
}
