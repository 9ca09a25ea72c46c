/**
 * Step Functions execution names: 1–80 characters, none of whitespace, brackets `< > { } [ ]`,
 * wildcards `? *`, the characters `" # % \ ^ | ~ ` $ & , ; : /`, or control characters.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is forbidden
const FORBIDDEN = /[\s<>{}[\]?*"#%\\^|~`$&,;:/\u0000-\u001f\u007f-\u009f]/;

export function isValidExecutionName(name: string): boolean {
  return name.length >= 1 && name.length <= 80 && !FORBIDDEN.test(name);
}
