import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm start -- [options]

  --reset               forget saved state (.local/) and start from the fixture
  --fixture FILE        the EC2 world to start from (JSON, see infra/local/ec2/README.md)
  --api-port N          REST API port (default 3000)
  --aws-port N          AWS endpoint port: EC2, EventBridge, Step Functions (default 4566)
  --state-dir DIR       where state and logs are kept (default .local)
  --bake-seconds N      how long a new AMI stays pending (default 8)
  --poll-seconds N      the watcher's 60 s poll, locally (default 1)
  --subscribe URL       POST every AmiAvailable event (full EventBridge envelope) to URL; repeatable
  --no-throttling       turn EC2's token-bucket throttling off
  --rate-scale N        multiply EC2's bucket refill rates (default 1: AWS's own)
  --function-environments N
                        function environments (worker threads) all functions share (default 6)
  --help                show this and exit

Environment: WEBHOOK_URL and WEBHOOK_FORMAT send notifications there instead of the built-in sink.`;

const OPTIONS = {
  reset: { type: 'boolean', default: false },
  fixture: { type: 'string' },
  'api-port': { type: 'string', default: '3000' },
  'aws-port': { type: 'string', default: '4566' },
  'state-dir': { type: 'string', default: '.local' },
  'bake-seconds': { type: 'string', default: '8' },
  'poll-seconds': { type: 'string', default: '1' },
  subscribe: { type: 'string', multiple: true, default: [] as string[] },
  'no-throttling': { type: 'boolean', default: false },
  'rate-scale': { type: 'string', default: '1' },
  'function-environments': { type: 'string', default: '6' },
  help: { type: 'boolean', default: false },
} as const;

export type CommandLineValues = ReturnType<typeof parseValues>;

function parseValues(args: readonly string[]) {
  return parseArgs({ args: [...args], options: OPTIONS, strict: true }).values;
}

/**
 * What `npm start -- <args>` asks for: help, a mistake to report with the usage (exit 2), or the
 * options to start with. A mistyped option is an answer, never a stack trace or silently ignored.
 */
export function parseCommandLine(
  args: readonly string[],
):
  | { readonly kind: 'help' }
  | { readonly kind: 'mistake'; readonly message: string }
  | { readonly kind: 'start'; readonly values: CommandLineValues } {
  try {
    const values = parseValues(args);
    return values.help ? { kind: 'help' } : { kind: 'start', values };
  } catch (error) {
    // node:util's parseArgs names its own errors ERR_PARSE_ARGS_*; anything else is a real fault.
    const code = (error as NodeJS.ErrnoException).code ?? '';
    if (!code.startsWith('ERR_PARSE_ARGS_')) throw error;
    return { kind: 'mistake', message: (error as Error).message };
  }
}
