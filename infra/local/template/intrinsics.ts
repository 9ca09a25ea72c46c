/**
 * Resolves CloudFormation intrinsic functions in a synthesized template to the local cloud's
 * values, so functions, rules and the state machine run with exactly what the template says.
 * Anything it cannot resolve is an error: a silently wrong environment would be worse.
 */
export interface ResolveContext {
  readonly region: string;
  readonly accountId: string;
  readonly stackName: string;
  /** `Ref` of a resource. */
  ref(logicalId: string): string;
  /** `Fn::GetAtt` of a resource. */
  attribute(logicalId: string, attribute: string): string;
}

export class TemplateResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TemplateResolutionError';
  }
}

export function resolveValue(value: unknown, context: ResolveContext): unknown {
  if (Array.isArray(value)) return value.map((item) => resolveValue(item, context));
  if (value === null || typeof value !== 'object') return value;
  const entries = Object.entries(value);
  const [first] = entries;
  if (entries.length === 1 && first && isIntrinsic(first[0])) {
    return resolveIntrinsic(first[0], first[1], context);
  }
  return Object.fromEntries(entries.map(([key, item]) => [key, resolveValue(item, context)]));
}

export function resolveString(value: unknown, context: ResolveContext, what: string): string {
  const resolved = resolveValue(value, context);
  if (
    typeof resolved !== 'string' &&
    typeof resolved !== 'number' &&
    typeof resolved !== 'boolean'
  ) {
    throw new TemplateResolutionError(`${what} does not resolve to a string`);
  }
  return String(resolved);
}

function isIntrinsic(key: string): boolean {
  return key === 'Ref' || key.startsWith('Fn::');
}

function resolveIntrinsic(name: string, argument: unknown, context: ResolveContext): unknown {
  switch (name) {
    case 'Ref':
      return resolveRef(String(argument), context);
    case 'Fn::GetAtt': {
      const [logicalId, attribute] = Array.isArray(argument)
        ? argument.map(String)
        : String(argument).split(/\.(.*)/s);
      if (!logicalId || !attribute)
        throw new TemplateResolutionError(`bad Fn::GetAtt ${JSON.stringify(argument)}`);
      return context.attribute(logicalId, attribute);
    }
    case 'Fn::Join': {
      const [separator, items] = asPair(argument, name);
      const resolved = resolveValue(items, context);
      if (!Array.isArray(resolved)) throw new TemplateResolutionError('Fn::Join needs a list');
      return resolved.map(String).join(String(separator));
    }
    case 'Fn::Sub': {
      const [template, variables] = Array.isArray(argument)
        ? asPair(argument, name)
        : [argument, {}];
      const resolvedVariables = resolveValue(variables, context) as Record<string, unknown>;
      return String(template).replace(/\$\{([^}!][^}]*)\}/g, (_match, key: string) => {
        if (key in resolvedVariables) return String(resolvedVariables[key]);
        const [logicalId, attribute] = key.split(/\.(.*)/s);
        if (logicalId && attribute) return context.attribute(logicalId, attribute);
        return resolveRef(key, context);
      });
    }
    case 'Fn::Select': {
      const [index, items] = asPair(argument, name);
      const resolved = resolveValue(items, context);
      if (!Array.isArray(resolved)) throw new TemplateResolutionError('Fn::Select needs a list');
      return resolved[Number(resolveValue(index, context))];
    }
    case 'Fn::Split': {
      const [separator, source] = asPair(argument, name);
      return String(resolveValue(source, context)).split(String(separator));
    }
    default:
      throw new TemplateResolutionError(`the local cloud cannot resolve ${name}`);
  }
}

function resolveRef(name: string, context: ResolveContext): string {
  switch (name) {
    case 'AWS::Region':
      return context.region;
    case 'AWS::AccountId':
      return context.accountId;
    case 'AWS::Partition':
      return 'aws';
    case 'AWS::URLSuffix':
      return 'amazonaws.com';
    case 'AWS::StackName':
      return context.stackName;
    case 'AWS::NoValue':
      return '';
    default:
      return context.ref(name);
  }
}

function asPair(argument: unknown, name: string): [unknown, unknown] {
  if (!Array.isArray(argument) || argument.length !== 2) {
    throw new TemplateResolutionError(`${name} needs two arguments`);
  }
  return [argument[0], argument[1]];
}
