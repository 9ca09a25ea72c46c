import { type EventEnvelope, EventsApiError, type TargetSpec } from './model';

/** The rule a target belongs to, for the input transformer's predefined variables. */
export interface TargetRule {
  readonly ruleName: string;
  readonly ruleArn: string;
}

/**
 * Builds what a target receives from an event: its constant `input`, the part of the event its
 * `inputPath` selects, what its `inputTransformer` makes of it, or the whole event. Checked at
 * registration, so a bad target fails the `PutTargets` call rather than every delivery.
 */
export function compileTargetInput(
  target: TargetSpec,
  rule: TargetRule = { ruleName: '', ruleArn: '' },
): (event: EventEnvelope) => unknown {
  const given = [target.input, target.inputPath, target.inputTransformer].filter(
    (option) => option !== undefined,
  );
  if (given.length > 1) {
    throw new EventsApiError(
      'ValidationException',
      `Target ${target.id}: Input, InputPath and InputTransformer are mutually exclusive.`,
    );
  }
  if (target.inputTransformer !== undefined) {
    return compileInputTransformer(target.id, target.inputTransformer, rule);
  }
  if (target.input !== undefined) {
    let constant: unknown;
    try {
      constant = JSON.parse(target.input);
    } catch {
      throw new EventsApiError(
        'ValidationException',
        `Target ${target.id}: Input is not valid JSON.`,
      );
    }
    return () => structuredClone(constant);
  }
  if (target.inputPath !== undefined) {
    const steps = parseJsonPath(target.inputPath, target.id);
    return (event) => steps.reduce<unknown>((value, step) => (value as never)?.[step], event);
  }
  return (event) => event;
}

const PREDEFINED = new Set([
  'aws.events.rule-name',
  'aws.events.rule-arn',
  'aws.events.event',
  'aws.events.event.json',
  'aws.events.event.ingestion-time',
]);

/** A piece of an input template: literal text, or a placeholder and whether it is quoted. */
type TemplatePart = { text: string } | { name: string; quoted: boolean };

/**
 * `InputTransformer`: each `<name>` of the template is replaced by its variable's value. In a JSON
 * template (one that starts with `{`), a placeholder inside a string literal inserts the value as
 * text (a string without its quotes), and one outside inserts the value as JSON; the result is
 * handed over parsed. Any other template is handed over as text. A path that selects nothing gives
 * `null` (an empty text inside a string). Wildcard paths are not supported locally.
 */
function compileInputTransformer(
  targetId: string,
  transformer: NonNullable<TargetSpec['inputTransformer']>,
  rule: TargetRule,
): (event: EventEnvelope) => unknown {
  const paths = new Map(
    Object.entries(transformer.inputPathsMap).map(([name, path]) => {
      if (PREDEFINED.has(name)) {
        throw new EventsApiError(
          'ValidationException',
          `Target ${targetId}: ${name} is a reserved variable name.`,
        );
      }
      return [name, parseJsonPath(path, targetId)] as const;
    }),
  );
  const template = transformer.inputTemplate;
  const isJson = template.trimStart().startsWith('{');
  const parts = templateParts(template, isJson, (name) => paths.has(name) || PREDEFINED.has(name));

  return (event) => {
    const variable = (name: string): unknown => {
      const steps = paths.get(name);
      if (steps) return steps.reduce<unknown>((value, step) => (value as never)?.[step], event);
      switch (name) {
        case 'aws.events.rule-name':
          return rule.ruleName;
        case 'aws.events.rule-arn':
          return rule.ruleArn;
        case 'aws.events.event.ingestion-time':
          return event.time;
        case 'aws.events.event': {
          const { detail: _detail, ...withoutDetail } = event;
          return withoutDetail;
        }
        default:
          return event;
      }
    };
    const rendered = parts
      .map((part) => {
        if ('text' in part) return part.text;
        const value = variable(part.name) ?? null;
        if (!isJson) return typeof value === 'string' ? value : JSON.stringify(value);
        if (!part.quoted) return JSON.stringify(value);
        const asText =
          value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
        return JSON.stringify(asText).slice(1, -1);
      })
      .join('');
    if (!isJson) return rendered;
    try {
      return JSON.parse(rendered);
    } catch {
      return rendered;
    }
  };
}

/** `$`, `$.a.b`, `$.a[0]` and `$['a-b']`: the JSONPath subset EventBridge's InputPath takes. */
function parseJsonPath(path: string, targetId: string): Array<string | number> {
  const steps: Array<string | number> = [];
  const token = /\.([A-Za-z0-9_-]+)|\[(\d+)\]|\['([^']+)'\]/y;
  if (!path.startsWith('$')) throw invalidPath(path, targetId);
  token.lastIndex = 1;
  while (token.lastIndex < path.length) {
    const match = token.exec(path);
    if (!match) throw invalidPath(path, targetId);
    steps.push(match[1] ?? match[3] ?? Number(match[2]));
  }
  return steps;
}

function invalidPath(path: string, targetId: string): EventsApiError {
  return new EventsApiError(
    'ValidationException',
    `Target ${targetId}: InputPath ${JSON.stringify(path)} is not a supported JSONPath.`,
  );
}

/** The template's text and placeholders, each placeholder knowing if it sits inside a JSON string. */
function templateParts(
  template: string,
  isJson: boolean,
  isVariable: (name: string) => boolean,
): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let quoted = false;
  let text = '';
  for (let index = 0; index < template.length; index++) {
    const char = template[index] as string;
    if (char === '\\' && quoted) {
      text += char + (template[index + 1] ?? '');
      index++;
      continue;
    }
    if (char === '"' && isJson) quoted = !quoted;
    if (char === '<') {
      const end = template.indexOf('>', index);
      const name = end < 0 ? '' : template.slice(index + 1, end);
      if (isVariable(name)) {
        parts.push({ text }, { name, quoted });
        text = '';
        index = end;
        continue;
      }
    }
    text += char;
  }
  parts.push({ text });
  return parts;
}
