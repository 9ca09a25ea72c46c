import * as z from './zod';

/** Matches DESIGN: 1-64 characters of letters, digits, `_` and `-`; it also names executions. */
export const requestIdSchema = z
  .string()
  .check(
    z.regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'must be 1-64 characters of A-Z, a-z, 0-9, _ or -' }),
  );

/** `-Deploy-YYYY-MM-DD_HH_MM` is appended to the instance name to form the AMI name. */
export const AMI_NAME_SUFFIX_LENGTH = '-Deploy-YYYY-MM-DD_HH_MM'.length;
/** EC2 allows AMI names of 3-128 characters. */
export const MAX_INSTANCE_NAME_LENGTH = 128 - AMI_NAME_SUFFIX_LENGTH;
/** Characters EC2 accepts in an AMI name: letters, digits and `()[] ./-'@_`. */
const AMI_NAME_CHARACTERS = /^[A-Za-z0-9()[\] ./\-'@_]+$/;

/*
 * EC2 would take the names below, but no Name tag a person means looks like them: they come from
 * a copy-paste slip (" service-api") or from input that treats the name as a path ("../x"). They
 * are refused here, so neither the API nor another system on the bus can ask for them, instead of
 * failing later as instance-not-found. Written as regexes so the JSON Schemas carry them too.
 */
/** No space at either end (so also not only spaces). */
const NO_EDGE_SPACES = /^[^ ](.*[^ ])?$/;
/**
 * No part made only of dots: neither the whole name nor a part between slashes (`..`, `./`).
 * Each part is empty or holds a character other than `.`; no lookahead, so that validators of
 * the JSON Schema in other languages (RE2 has none) read the pattern too.
 */
const NO_DOTS_ONLY_PART = /^([^/]*[^./][^/]*)?(\/([^/]*[^./][^/]*)?)*$/;

export const instanceNameSchema = z.string().check(
  // Aborts so that an empty name gets this one reason, not also the rules below.
  z.minLength(1, { error: 'must not be empty', abort: true }),
  z.maxLength(MAX_INSTANCE_NAME_LENGTH, {
    error: `must be at most ${MAX_INSTANCE_NAME_LENGTH} characters so the AMI name fits in 128`,
  }),
  z.regex(AMI_NAME_CHARACTERS, {
    error:
      "may only contain letters, digits, spaces and ()[]./-'@_ (the characters EC2 allows in AMI names)",
  }),
  z.regex(NO_EDGE_SPACES, {
    error: (issue) =>
      typeof issue.input === 'string' && issue.input.trim() === ''
        ? 'must not be only spaces'
        : 'must not start or end with a space',
  }),
  z.regex(NO_DOTS_ONLY_PART, {
    error: 'must not be only dots, wholly or between slashes (as in ../)',
  }),
);

/** The most instance names one request may carry (documented in the README). */
export const MAX_INSTANCE_NAMES_PER_REQUEST = 25;

export const instanceNameListSchema = z.array(instanceNameSchema).check(
  z.minLength(1, { error: 'must list at least one instance name' }),
  z.maxLength(MAX_INSTANCE_NAMES_PER_REQUEST, {
    error: `must list at most ${MAX_INSTANCE_NAMES_PER_REQUEST} instance names`,
  }),
  z.superRefine((names, ctx) => {
    const firstIndex = new Map<string, number>();
    names.forEach((name, index) => {
      const first = firstIndex.get(name);
      if (first === undefined) firstIndex.set(name, index);
      else
        ctx.addIssue({
          code: 'custom',
          path: [index],
          message: `repeats the name at index ${first} ("${name}")`,
          input: name,
        });
    });
  }),
);

export const instanceIdSchema = z.string().check(z.regex(/^i-[0-9a-f]{8,17}$/));
export const imageIdSchema = z.string().check(z.regex(/^ami-[0-9a-f]{8,17}$/));
export const snapshotIdSchema = z.string().check(z.regex(/^snap-[0-9a-f]{8,17}$/));
export const timestampSchema = z.iso.datetime({ offset: false });
export const imageNameSchema = z.string().check(z.minLength(3), z.maxLength(128));
