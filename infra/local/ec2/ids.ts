import { randomBytes } from 'node:crypto';

/** EC2's current id format: a prefix and 17 lower-case hex digits, e.g. `ami-0a1b2c3d4e5f67890`. */
export function newId(prefix: string): string {
  return `${prefix}-${randomBytes(9).toString('hex').slice(0, 17)}`;
}

/** Old 8-digit and current 17-digit ids are both valid on EC2. */
export function isWellFormedId(prefix: string, id: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}
