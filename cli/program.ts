import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { CliDeps } from './cli-deps';
import { parseDuration } from './duration';
import { CliError, EXIT, type ExitCode } from './exit-codes';
import { JANITOR_DEFAULTS, runPurge } from './purge-command';
import { runRequest } from './request-command';
import { runStatus } from './status-command';
import { DEFAULT_STACK_NAME } from './target';
import { runWaitCommand } from './wait-command';

const DEFAULT_TIMEOUT = '90m';

/** Runs one command line (without `node` and the script) and returns the process's exit code. */
export async function runCli(argv: readonly string[], deps: CliDeps): Promise<ExitCode> {
  let exitCode: ExitCode = EXIT.ok;
  const program = buildProgram(deps, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander has already printed the problem (or the help that was asked for).
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (error instanceof CliError) {
      deps.stderr.write(`ami-lifecycle: ${error.message}\n`);
      return error.exitCode;
    }
    deps.stderr.write(`ami-lifecycle: ${error instanceof Error ? error.message : String(error)}\n`);
    return EXIT.usage;
  }
}

function buildProgram(deps: CliDeps, exitWith: (code: ExitCode) => void): Command {
  const program = new Command('ami-lifecycle')
    .description('Request deploy AMIs, wait for them, and preview the janitor’s purge.')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => deps.stdout.write(text),
      writeErr: (text) => deps.stderr.write(text),
    })
    .showHelpAfterError('(ami-lifecycle --help lists the commands)');

  withTarget(
    program
      .command('request')
      .description(
        'Request one AMI per instance name (the oldest running instance with that Name tag)',
      )
      .argument('<names...>', 'Name tag values')
      .option('--wait', 'wait until every AMI is available or failed')
      .addOption(timeoutOption())
      .option('--reboot', 'reboot the instances for consistent images')
      .option('--no-reboot', 'do not reboot the instances')
      .option('--label <text>', 'free text for audit trails (sent as requested_by)')
      .option('--request-id <id>', 'idempotency key; repeating it creates no second AMI')
      .option('--json', 'print the result as JSON on stdout (people’s text goes to stderr)'),
  ).action(async (names: string[], options) => exitWith(await runRequest(deps, names, options)));

  withTarget(
    program
      .command('status')
      .description('Show a request and its names once')
      .argument('<request-id>')
      .option('--json', 'print the RequestStatus as JSON'),
  ).action(async (requestId: string, options) =>
    exitWith(await runStatus(deps, requestId, options)),
  );

  withTarget(
    program
      .command('wait')
      .description('Wait until every name of a request is available or failed')
      .argument('<request-id>')
      .addOption(timeoutOption())
      .option('--json', 'print the final RequestStatus as JSON on stdout'),
  ).action(async (requestId: string, options) =>
    exitWith(await runWaitCommand(deps, requestId, options)),
  );

  withTarget(
    program
      .command('purge')
      .description('Preview what the janitor would purge (read-only; requires --dry-run)')
      .option('--dry-run', 'list the plan; nothing is ever deleted from here')
      .option('--name <name>', 'only this instance name')
      .option(
        '--endpoint-url <url>',
        'EC2 endpoint (default: AWS, or the local cloud’s when the API target is local)',
      )
      .option('--region <region>', 'EC2 Region (default: the SDK’s Region chain)')
      .option(
        '--retention-days <n>',
        'as the janitor’s RETENTION_DAYS',
        positiveInteger,
        JANITOR_DEFAULTS.retentionDays,
      )
      .option(
        '--keep-latest <n>',
        'as the janitor’s KEEP_LATEST',
        positiveInteger,
        JANITOR_DEFAULTS.keepLatest,
      )
      .option(
        '--max-deletions <n>',
        'as the janitor’s MAX_DELETIONS_PER_RUN',
        positiveInteger,
        JANITOR_DEFAULTS.maxDeletionsPerRun,
      ),
  ).action(async (options) => exitWith(await runPurge(deps, options)));

  return program;
}

function withTarget(command: Command): Command {
  return command
    .option(
      '--api-url <url>',
      'the API stage URL, e.g. https://ID.execute-api.REGION.amazonaws.com/prod',
    )
    .option(
      '--stack-name <name>',
      'the stack whose CreateAmiUrl output names the API',
      DEFAULT_STACK_NAME,
    );
}

function timeoutOption(): Option {
  return new Option('--timeout <duration>', 'give up after this long: 90m, 2h, 45s')
    .default(parseDuration(DEFAULT_TIMEOUT), DEFAULT_TIMEOUT)
    .argParser(parseDuration);
}

function positiveInteger(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1)
    throw new InvalidArgumentError('expected a whole number ≥ 1');
  return value;
}
