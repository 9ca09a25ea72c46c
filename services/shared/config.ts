import { describeIssues } from '../../events/issues';
import * as z from '../../events/zod';

export class ConfigurationError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ConfigurationError';
  }
}

/**
 * Parses a service's environment once, at cold start. A missing or bad value throws a
 * `ConfigurationError` naming each offending variable, so a misconfigured deployment fails loudly
 * on its first invocation instead of misbehaving.
 */
export function parseConfig<Schema extends z.ZodMiniType>(
  service: string,
  schema: Schema,
  env: Record<string, string | undefined> = process.env,
): z.output<Schema> {
  const result = schema.safeParse(env);
  if (!result.success) {
    throw new ConfigurationError(
      `${service}: invalid configuration: ${describeIssues(result.error)}`,
    );
  }
  return result.data;
}

/** Environment values arrive as strings; these turn them into typed settings. */
export const env = {
  required: () =>
    z.string({ error: 'must be set' }).check(z.minLength(1, { error: 'must be set' })),
  integer: (fallback: number, { min = 0, max = Number.MAX_SAFE_INTEGER } = {}) =>
    z.pipe(
      z._default(
        z.string().check(z.regex(/^\d+$/, { error: 'must be a whole number' })),
        String(fallback),
      ),
      z.pipe(
        z.transform(Number),
        z
          .number()
          .check(
            z.gte(min, { error: `must be at least ${min}` }),
            z.lte(max, { error: `must be at most ${max}` }),
          ),
      ),
    ),
  boolean: (fallback: boolean) =>
    z.pipe(
      z._default(
        z.enum(['true', 'false', '1', '0'], { error: 'must be true or false' }),
        fallback ? 'true' : 'false',
      ),
      z.transform((value) => value === 'true' || value === '1'),
    ),
};
