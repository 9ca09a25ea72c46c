// zod/mini keeps each function bundle small (about 15 KB instead of 450 KB for full zod), which
// matters for cold start. The English locale gives readable messages; every schema in the project
// imports `z` from here so the locale is configured exactly once.
import { en } from 'zod/locales';
import * as z from 'zod/mini';

z.config(en());

export { z };

/** One line per problem, each naming the offending field, e.g. `data.instanceNames[2]: ...`. */
export function describeIssues(error: z.core.$ZodError): string {
  return error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`).join('; ');
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path
    .map((key, index) => {
      if (typeof key === 'number') return `[${key}]`;
      return index === 0 ? String(key) : `.${String(key)}`;
    })
    .join('');
}
