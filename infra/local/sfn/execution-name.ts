import { createHash } from 'node:crypto';

/**
 * Step Functions execution names: 1–80 characters, none of whitespace, brackets `< > { } [ ]`,
 * wildcards `? *`, the characters `" # % \ ^ | ~ ` $ & , ; : /`, or control characters.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is forbidden
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function isValidExecutionName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !FORBIDDEN.test(name);
}

/**
 * The name of the execution a bus delivery starts: the same for every attempt of one delivery, so
 * a delivery retried after a restart finds the execution it started instead of starting another.
 * (AWS names it at random; EventBridge's at-least-once delivery could start two there.)
 */
export function executionNameOfDelivery(
  target: { readonly ruleArn: string; readonly id: string },
  event: { readonly id: string },
): string {
  const targetHash = createHash('sha256').update(`${target.ruleArn}\n${target.id}`).digest('hex');
  return `${event.id}-${targetHash.slice(0, 16)}`;
}
