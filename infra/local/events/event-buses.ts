import { EventsApiError } from './model';

/** The name of a bus given by name or ARN; `default` when none is given. */
export function busNameOf(nameOrArn: string | undefined): string {
  if (!nameOrArn) return 'default';
  const fromArn = /^arn:aws[\w-]*:events:[^:]*:[^:]*:event-bus\/(.+)$/.exec(nameOrArn);
  return fromArn?.[1] ?? nameOrArn;
}

/** The event buses of one account and region, `default` included. */
export class EventBuses {
  private readonly names: Set<string>;

  constructor(
    private readonly region: string,
    private readonly account: string,
    custom: readonly string[],
  ) {
    this.names = new Set(['default', ...custom]);
  }

  arn(name: string): string {
    return `arn:aws:events:${this.region}:${this.account}:event-bus/${name}`;
  }

  has(nameOrArn: string | undefined): boolean {
    return this.names.has(busNameOf(nameOrArn));
  }

  /** Resolves a bus name or ARN to a bus name; throws `ResourceNotFoundException` if unknown. */
  resolve(nameOrArn?: string): string {
    const name = busNameOf(nameOrArn);
    if (!this.names.has(name)) {
      throw new EventsApiError('ResourceNotFoundException', `Event bus ${name} does not exist.`);
    }
    return name;
  }

  create(name: string): string {
    if (this.names.has(name)) {
      throw new EventsApiError(
        'ResourceAlreadyExistsException',
        `Event bus ${name} already exists.`,
      );
    }
    this.names.add(name);
    return this.arn(name);
  }

  list(): string[] {
    return [...this.names].sort();
  }
}
