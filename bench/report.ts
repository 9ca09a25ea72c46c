import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BenchMode, BenchmarkResult, Column, Figure } from './benchmark';
import type { Machine } from './machine';

export interface BenchmarkOutcome {
  readonly id: string;
  readonly title: string;
  readonly seconds: number;
  readonly result?: BenchmarkResult;
  /** Set when the benchmark could not run to the end: no figures, and the run fails. */
  readonly error?: string;
}

export interface RunReport {
  readonly startedAt: string;
  readonly mode: BenchMode;
  readonly seconds: number;
  readonly machine: Machine;
  readonly benchmarks: readonly BenchmarkOutcome[];
}

export function failedBudgets(report: RunReport) {
  return report.benchmarks.flatMap((outcome) =>
    (outcome.result?.rows ?? []).flatMap((row) =>
      row.budgets.filter((verdict) => !verdict.pass).map((verdict) => ({ outcome, row, verdict })),
    ),
  );
}

/** The report as plain text: a header with the machine, then a table per benchmark. */
export function renderReport(report: RunReport): string {
  const { machine } = report;
  const lines = [
    `ami-lifecycle benchmarks · ${report.startedAt} · ${report.mode} mode · ${report.seconds.toFixed(0)} s`,
    `machine: ${machine.cpuModel} · ${machine.cores} cores · load ${machine.loadAverage} · ${machine.memoryGiB} GiB · ${machine.os} · Node.js ${machine.nodeVersion}`,
  ];
  for (const outcome of report.benchmarks) {
    lines.push('', `${outcome.title}  (${outcome.seconds.toFixed(0)} s)`);
    if (outcome.error !== undefined) {
      lines.push(`  ERROR: ${outcome.error.split('\n').join('\n  ')}`);
      continue;
    }
    const result = outcome.result as BenchmarkResult;
    lines.push(...renderTable(result).map((line) => `  ${line}`));
    for (const row of result.rows) {
      for (const verdict of row.budgets) {
        lines.push(
          `  ${verdict.pass ? 'pass' : 'FAIL'}  ${row.subject}: ${verdict.name} = ${verdict.actual} (budget ${verdict.limit})`,
        );
      }
    }
    for (const note of result.notes ?? []) lines.push(`  note: ${note}`);
  }
  const failed = failedBudgets(report);
  const errors = report.benchmarks.filter((outcome) => outcome.error !== undefined);
  lines.push(
    '',
    failed.length === 0 && errors.length === 0
      ? 'All budgets met.'
      : `${failed.length} budget(s) failed, ${errors.length} benchmark(s) did not run to the end.`,
  );
  return `${lines.join('\n')}\n`;
}

function renderTable(result: BenchmarkResult): string[] {
  const headers = ['', ...result.columns.map((column) => column.label), 'budgets'];
  const body = result.rows.map((row) => [
    row.subject,
    ...result.columns.map((column) => formatFigure(row.figures[column.key], column)),
    row.budgets.length === 0
      ? '–'
      : row.budgets.every((verdict) => verdict.pass)
        ? 'pass'
        : `FAIL ${row.budgets.filter((verdict) => !verdict.pass).length}/${row.budgets.length}`,
  ]);
  const widths = headers.map((header, index) =>
    Math.max(header.length, ...body.map((cells) => (cells[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, index) =>
        index === 0 ? cell.padEnd(widths[index] ?? 0) : cell.padStart(widths[index] ?? 0),
      )
      .join('  ');
  return [line(headers), ...body.map(line)];
}

function formatFigure(figure: Figure | undefined, column: Column): string {
  if (figure === null || figure === undefined) return '–';
  if (typeof figure === 'string') return figure;
  return figure.toFixed(column.digits ?? (Number.isInteger(figure) ? 0 : 1));
}

/** `bench/results/<timestamp>.json` and `bench/results/latest.json`; returns the first path. */
export async function writeResults(resultsDir: string, report: RunReport): Promise<string> {
  await mkdir(resultsDir, { recursive: true });
  const json = `${JSON.stringify(report, null, 2)}\n`;
  const file = join(resultsDir, `${report.startedAt.replace(/[:.]/g, '-')}.json`);
  await writeFile(file, json);
  await writeFile(join(resultsDir, 'latest.json'), json);
  return file;
}
