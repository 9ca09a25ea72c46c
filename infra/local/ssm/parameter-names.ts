import { SsmError, validationError } from './errors';

const NAME_CHARACTERS = /^[a-zA-Z0-9_.\-/]+$/;
const MAX_NAME_LENGTH = 2048;
const MAX_LEVELS = 15;

/**
 * Parameter Store names: `name` at the root, or a path `/a/b/name` (a name with a slash must
 * start with one). A root name is the same parameter with or without its leading slash, so the
 * lookup key drops it; the name itself is kept as it was created.
 */
export function parameterKey(name: string): string {
  return name.startsWith('/') && name.indexOf('/', 1) === -1 ? name.slice(1) : name;
}

/** The full path of a name, root names included (`foo` is `/foo`), for path queries. */
export function fullPath(name: string): string {
  return name.startsWith('/') ? name : `/${name}`;
}

export function parameterArn(region: string, accountId: string, name: string): string {
  return `arn:aws:ssm:${region}:${accountId}:parameter/${name.replace(/^\//, '')}`;
}

/** The name an ARN names (`…:parameter/a/b` is `/a/b`, `…:parameter/foo` is `foo`). */
export function nameFromArn(arn: string): string | undefined {
  const match = /^arn:aws[a-z-]*:ssm:[^:]*:\d*:parameter\/(.+)$/.exec(arn);
  if (match === null) return undefined;
  const rest = match[1] as string;
  return rest.includes('/') ? `/${rest}` : rest;
}

/** Checks a name for PutParameter with Parameter Store's rules and messages. */
export function checkParameterName(name: string): void {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw validationError(`Parameter name must be 1-${MAX_NAME_LENGTH} characters long.`);
  }
  const bare = name.replace(/^\//, '').toLowerCase();
  const isPath = name.includes('/', 1) || (!name.startsWith('/') && name.includes('/'));
  if (name.toLowerCase().startsWith('/aws/') && isPath) {
    throw new SsmError('AccessDeniedException', `No access to reserved parameter name: ${name}.`);
  }
  if (bare.startsWith('aws') || bare.startsWith('ssm')) {
    throw validationError(
      'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
    );
  }
  if (
    !NAME_CHARACTERS.test(name) ||
    (isPath && !name.startsWith('/')) ||
    name.endsWith('/') ||
    name.includes('//')
  ) {
    throw validationError(
      'Parameter name: it can consist of letters, numbers and the symbols .-_; if formed as a path, it must begin with a slash and consist of sub-paths divided by slash symbol.',
    );
  }
  if (name.split('/').length - 1 > MAX_LEVELS) {
    throw validationError(`Parameter name: a hierarchy can have at most ${MAX_LEVELS} levels.`);
  }
}

/** Checks a path for GetParametersByPath (it must begin with a slash) and drops a trailing one. */
export function checkedPath(path: string): string {
  if (!path.startsWith('/') || !/^[a-zA-Z0-9_.\-/]+$/.test(path) || path.includes('//')) {
    throw validationError(
      'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
    );
  }
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Whether a parameter sits under a path: directly, or at any depth when recursive. */
export function isUnderPath(name: string, path: string, recursive: boolean): boolean {
  const full = fullPath(name);
  const prefix = path === '/' ? '/' : `${path}/`;
  if (!full.startsWith(prefix)) return false;
  return recursive || !full.slice(prefix.length).includes('/');
}
