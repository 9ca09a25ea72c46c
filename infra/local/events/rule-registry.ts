import { randomUUID } from 'node:crypto';
import type { JournaledDelivery } from './delivery-journal';
import type { EventBuses } from './event-buses';
import { compileEventPattern, type EventMatcher, EventPatternError } from './event-pattern';
import { type EventEnvelope, EventsApiError, type RuleSpec, type TargetSpec } from './model';
import { compileTargetInput } from './target-input';

export interface RuleView {
  readonly name: string;
  readonly arn: string;
  readonly eventBusName: string;
  readonly eventPattern: Record<string, unknown>;
  readonly description?: string;
  readonly state: 'ENABLED' | 'DISABLED';
  readonly targets: readonly TargetSpec[];
}

interface Rule {
  spec: RuleView;
  matcher: EventMatcher;
  targets: Map<string, { spec: TargetSpec; input: (event: EventEnvelope) => unknown }>;
}

const ruleKey = (bus: string, name: string) => `${bus}\u0000${name}`;

/** The rules of every bus, with their compiled patterns and targets, and the routing they make. */
export class RuleRegistry {
  private readonly rules = new Map<string, Rule>();

  constructor(
    private readonly buses: EventBuses,
    private readonly region: string,
    private readonly account: string,
  ) {}

  /** Creates or updates a rule; an update keeps the rule's targets. */
  put(spec: RuleSpec): RuleView {
    const busName = this.buses.resolve(spec.eventBusName);
    const matcher = compileRulePattern(spec.eventPattern);
    const key = ruleKey(busName, spec.name);
    const rule: Rule = {
      spec: {
        name: spec.name,
        arn: this.ruleArn(busName, spec.name),
        eventBusName: busName,
        eventPattern: spec.eventPattern,
        ...(spec.description === undefined ? {} : { description: spec.description }),
        state: spec.state ?? 'ENABLED',
        targets: [],
      },
      matcher,
      targets: this.rules.get(key)?.targets ?? new Map(),
    };
    this.rules.set(key, rule);
    if (spec.targets) this.putTargets(spec.name, spec.targets, busName);
    return view(rule);
  }

  putTargets(ruleName: string, targets: readonly TargetSpec[], eventBusName?: string): void {
    const rule = this.get(ruleName, eventBusName);
    const compiled = targets.map((target) => ({
      spec: target,
      input: compileTargetInput(target, { ruleName: rule.spec.name, ruleArn: rule.spec.arn }),
    }));
    for (const target of compiled) rule.targets.set(target.spec.id, target);
  }

  removeTargets(ruleName: string, ids: readonly string[], eventBusName?: string): void {
    const rule = this.get(ruleName, eventBusName);
    for (const id of ids) rule.targets.delete(id);
  }

  delete(ruleName: string, eventBusName?: string): void {
    const rule = this.get(ruleName, eventBusName);
    if (rule.targets.size > 0) {
      throw new EventsApiError(
        'ValidationException',
        "Rule can't be deleted since it has targets.",
      );
    }
    this.rules.delete(ruleKey(rule.spec.eventBusName, ruleName));
  }

  describe(ruleName: string, eventBusName?: string): RuleView {
    return view(this.get(ruleName, eventBusName));
  }

  list(eventBusName?: string, namePrefix?: string): RuleView[] {
    const busName = this.buses.resolve(eventBusName);
    return [...this.rules.values()]
      .filter(
        (rule) => rule.spec.eventBusName === busName && rule.spec.name.startsWith(namePrefix ?? ''),
      )
      .map(view)
      .sort((a, b) => a.name.localeCompare(b.name));
  }

  /** The deliveries an event gets: one per target of each enabled rule it matches. */
  route(bus: string, event: EventEnvelope): JournaledDelivery[] {
    const routed: JournaledDelivery[] = [];
    for (const rule of this.rules.values()) {
      if (rule.spec.eventBusName !== bus || rule.spec.state !== 'ENABLED' || !rule.matcher(event))
        continue;
      for (const { spec, input } of rule.targets.values()) {
        const target = {
          ...spec,
          ruleName: rule.spec.name,
          ruleArn: rule.spec.arn,
          eventBusName: bus,
        };
        routed.push({ id: randomUUID(), target, input: input(event) });
      }
    }
    return routed;
  }

  private get(name: string, eventBusName?: string): Rule {
    const bus = this.buses.resolve(eventBusName);
    const rule = this.rules.get(ruleKey(bus, name));
    if (!rule) {
      throw new EventsApiError(
        'ResourceNotFoundException',
        `Rule ${name} does not exist on EventBus ${bus}.`,
      );
    }
    return rule;
  }

  private ruleArn(bus: string, name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:rule/${bus === 'default' ? '' : `${bus}/`}${name}`;
  }
}

function compileRulePattern(pattern: Record<string, unknown>): EventMatcher {
  try {
    return compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof EventPatternError) {
      throw new EventsApiError(
        'InvalidEventPatternException',
        `Event pattern is not valid. Reason: ${error.message}`,
      );
    }
    throw error;
  }
}

function view(rule: Rule): RuleView {
  return { ...rule.spec, targets: [...rule.targets.values()].map((target) => target.spec) };
}
