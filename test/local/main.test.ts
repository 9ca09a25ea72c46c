import { execFile, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { temporaryFolder } from '../tools';

const ROOT = resolve(import.meta.dirname, '../..');

/** Runs `npm start -- <args>` as the process it starts: main.ts on tsx. */
function start(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = execFile(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'infra/local/main.ts'), ...args],
      { cwd: ROOT, timeout: 120_000 },
      (_error, stdout, stderr) => done({ code: child.exitCode, stdout, stderr }),
    );
  });
}

// Ports 0 and a fresh state folder: a start that wrongly goes ahead takes nothing from anyone.
const isolated = () => [
  '--api-port',
  '0',
  '--aws-port',
  '0',
  '--state-dir',
  temporaryFolder('main'),
];

describe('npm start', () => {
  it('should print the usage and exit 2 for an unknown option', async () => {
    const { code, stdout, stderr } = await start(['--bogus', ...isolated()]);

    expect(code).toBe(2);
    expect(stderr).toContain("Unknown option '--bogus'");
    expect(stderr).toContain('Usage: npm start -- [options]');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain('is running locally');
  });

  it('should print the usage and exit 2 for an argument that is not an option', async () => {
    const { code, stderr } = await start(['service-api', ...isolated()]);

    expect(code).toBe(2);
    expect(stderr).toContain('Usage: npm start -- [options]');
  });

  it('should refuse a function environment budget below one, and exit 2', async () => {
    const { code, stderr } = await start(['--function-environments', '0', ...isolated()]);

    expect(code).toBe(2);
    expect(stderr).toContain('--function-environments must be a number of at least 1, got "0"');
  });

  it('should print the usage and exit 0 for --help', async () => {
    const { code, stdout } = await start(['--help']);

    expect(code).toBe(0);
    expect(stdout).toContain('Usage: npm start -- [options]');
  });

  it('should refuse a bad fixture with every problem and its path, and exit 2', async () => {
    // Prepare
    const folder = temporaryFolder('fixture');
    const fixture = join(folder, 'fixture.json');
    writeFileSync(
      fixture,
      JSON.stringify({
        instances: [
          { instanceId: 'i-1', name: 'a' },
          { instanceId: 'i-1', name: 'b' },
          { name: 'c', tags: { Name: 5 } },
        ],
        image: [],
      }),
    );

    // Act
    const { code, stdout, stderr } = await start(['--fixture', fixture, '--reset', ...isolated()]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(`${fixture} is not a valid EC2 fixture`);
    expect(stderr).toContain('instances[2].tags.Name: expected string, received number');
    expect(stderr).toContain('image: unknown field');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain('is running locally');
  });

  it('should refuse a fixture whose ids are used twice, before starting anything', async () => {
    const folder = temporaryFolder('fixture');
    const fixture = join(folder, 'fixture.json');
    writeFileSync(
      fixture,
      JSON.stringify({ instances: [{ instanceId: 'i-1' }, { instanceId: 'i-1' }] }),
    );

    const { code, stdout, stderr } = await start(['--fixture', fixture, '--reset', ...isolated()]);

    expect(code).toBe(2);
    expect(stderr).toContain('instances[1].instanceId: i-1 is used twice');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(stdout).not.toContain('is running locally');
  });

  it('should show a curl command that works when pasted, with the fixture own instance', async () => {
    // Prepare: a world without the default fixture's names
    const folder = temporaryFolder('fixture');
    const fixture = join(folder, 'fixture.json');
    writeFileSync(fixture, JSON.stringify({ instances: [{ name: 'billing-api' }] }));
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(ROOT, 'infra/local/main.ts'), '--fixture', fixture, ...isolated()],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const exited = new Promise<number | null>((done) => child.once('exit', done));
    let stdout = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    try {
      await new Promise<void>((done, fail) => {
        child.stdout.on('data', () => stdout.includes('Ctrl-C stops it') && done());
        child.once('exit', () => fail(new Error(`main.ts exited before its banner:\n${stdout}`)));
      });

      // Act: run the banner's curl command as printed, line continuations included
      const curl = /^ {2}curl [^\n]*\n(?: {4}[^\n]*\n)*/m.exec(stdout)?.[0] ?? '';
      const { stdout: answer } = await promisify(execFile)('sh', [
        '-c',
        `${curl.trimEnd()} -w ' %{http_code}'`,
      ]);

      // Assess
      const apiUrl = /API {10}POST (\S+)/.exec(stdout)?.[1];
      expect(curl).toContain(`curl -s -X POST ${apiUrl} `);
      expect(curl).toContain('{"instance_name_list":["billing-api"]}');
      expect(curl).not.toContain('service-api');
      expect(answer).toMatch(/ 202$/);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  });
});
